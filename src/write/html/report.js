(function(){
'use strict';
var $=function(id){return document.getElementById(id);};
var units=JSON.parse($('units-data').textContent);
var M=JSON.parse($('report-data').textContent);
var docs=M.docs,cats=M.cats,codes=M.codes,PAGE=M.pageSize;
var f={core:$('f-core'),category:$('f-category'),level:$('f-level'),region:$('f-region'),province:$('f-province'),year:$('f-year'),uncoded:$('f-uncoded'),q:$('f-text')};
var body=document.querySelector('#units tbody');
var page=0,shown=[];
$('filters').hidden=false;
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e;}
function filter(){
var core=f.core.value,cat=f.category.value,lv=f.level.value,rg=f.region.value,pv=f.province.value,yr=f.year.value,un=f.uncoded.checked,t=f.q.value.trim().toLowerCase();
var coreIdx=core?M.cores.indexOf(core):-1,catIdx=-1,i;
if(cat){catIdx=-2;for(i=0;i<cats.length;i++)if(cats[i][0]===cat)catIdx=i;}
shown=[];
for(i=0;i<units.length;i++){var u=units[i],d=docs[u[0]],cs=u[3];
if((lv&&d[2]!==lv)||(rg&&d[3]!==rg)||(pv&&d[4]!==pv)||(yr&&d[5]!==yr))continue;
if(un&&cs.length)continue;
if(catIdx!==-1&&cs.indexOf(catIdx)<0)continue;
if(core&&!cs.some(function(k){return cats[k][3]===coreIdx;}))continue;
if(t&&u[2].toLowerCase().indexOf(t)<0&&u[1].toLowerCase().indexOf(t)<0&&d[0].toLowerCase().indexOf(t)<0)continue;
shown.push(i);}}
function row(u){
var d=docs[u[0]],tr=el('tr'),td=el('td','doc'),s=u[2],ev=u[4],sp=[],mg=[],at=0,i;
tr.appendChild(el('td','uid',u[1]));
td.appendChild(el('div','dt',d[0]));td.appendChild(el('div','meta',d[6]));tr.appendChild(td);
td=el('td','txt');var tx=el('div','text');
for(i=0;i+2<ev.length;i+=3)sp.push([ev[i],ev[i+1],ev[i+2]]);
sp.forEach(function(x){var l=mg[mg.length-1];if(l&&x[1]<l[1]){if(x[2]>l[1])l[1]=x[2];if(l[2].indexOf(x[0])<0)l[2].push(x[0]);}else mg.push([x[1],x[2],[x[0]]]);});
mg.forEach(function(x){if(x[0]>at)tx.appendChild(document.createTextNode(s.slice(at,x[0])));var m=el('mark',null,s.slice(x[0],x[1]));m.title=x[2].map(function(c){return codes[c];}).join(', ');tx.appendChild(m);at=x[1];});
if(at<s.length)tx.appendChild(document.createTextNode(s.slice(at)));
td.appendChild(tx);
if(sp.length){var box=el('div','ev'),seen={};
sp.forEach(function(x){var term=s.slice(x[1],x[2]),k=x[0]+'\u0000'+term;if(seen[k])return;seen[k]=1;var e=el('span','e');e.appendChild(el('b',null,term));e.appendChild(document.createTextNode(' '+codes[x[0]]));box.appendChild(e);});
td.appendChild(box);}
tr.appendChild(td);td=el('td','cats');
u[3].forEach(function(k){var c=cats[k],e=el('span','cat c'+(c[3]%6),c[1]+' ');e.appendChild(el('code',null,c[0]));td.appendChild(e);});
tr.appendChild(td);return tr;}
function render(){
var n=shown.length,pages=Math.max(1,Math.ceil(n/PAGE));
if(page>=pages)page=pages-1;if(page<0)page=0;
var from=page*PAGE,to=Math.min(n,from+PAGE),frag=document.createDocumentFragment();
for(var i=from;i<to;i++)frag.appendChild(row(units[shown[i]]));
body.textContent='';body.appendChild(frag);
$('count').textContent=n+' of '+units.length+' units'+(M.total>units.length?' (the first '+units.length+' of the run\'s '+M.total+'; all are in units.csv)':'');
$('pageinfo').textContent=n?'rows '+(from+1)+'–'+to+' · page '+(page+1)+' of '+pages:'no unit matches the filters';
['prev','prev2'].forEach(function(id){$(id).hidden=false;$(id).disabled=page===0;});
['next','next2'].forEach(function(id){$(id).hidden=false;$(id).disabled=page>=pages-1;});}
var keys=['core','category','level','region','province','year','uncoded','q'];
function save(){var p=[];keys.forEach(function(k){var v=k==='uncoded'?(f[k].checked?'1':''):f[k].value;if(v)p.push(k+'='+encodeURIComponent(v));});if(page)p.push('page='+(page+1));
if(window.history&&history.replaceState)history.replaceState(null,'',p.length?'#units?'+p.join('&'):location.pathname+location.search);}
function update(){page=0;filter();render();save();}
var h=location.hash;
if(h.indexOf('#units?')===0){h.slice(7).split('&').forEach(function(kv){var i=kv.indexOf('='),k=kv.slice(0,i),v=decodeURIComponent(kv.slice(i+1));
if(k==='uncoded')f.uncoded.checked=v==='1';else if(k==='page')page=(parseInt(v,10)||1)-1;else if(f[k])f[k].value=v;});}
var p0=page;filter();page=p0;render();
if(h.indexOf('#units')===0){var sec=$('units-section');if(sec)sec.scrollIntoView();}
['core','category','level','region','province','year','uncoded'].forEach(function(k){f[k].addEventListener('change',update);});
var timer=0;f.q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(update,200);});
function go(d){page+=d;render();save();$('units-section').scrollIntoView();}
['prev','prev2'].forEach(function(id){$(id).addEventListener('click',function(){go(-1);});});
['next','next2'].forEach(function(id){$(id).addEventListener('click',function(){go(1);});});
})();
