/* gmvscope charts (MIT, part of gmvscope): writes numbers as the report's
 * Go side does (report/locale.go), turns the formatter names of a chart's
 * option into functions, and lays a chart out as a publishable image
 * (title, subtitle, legend, plot, notes, source and date inside it).
 * The report page, the per-chart embed pages and `gmvscope export` (in
 * goja, with echarts' server-side SVG renderer) all run this same file.
 * ES5 only: goja and every browser run it. */
(function (root) {
  "use strict";
  var RLI = "\u2067", FSI = "\u2068", PDI = "\u2069";
  var INK = "#1d2330", MUTED = "#5b6475";
  var FONT = "-apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif";

  // fixed writes v with d decimals (-1: as many as it has, up to six)
  // in the locale's digits and separators.
  function fixed(v, d, L) {
    if (d === -1) {
      var t = String(+Math.abs(v).toPrecision(6)), k = t.indexOf(".");
      d = k < 0 ? 0 : t.length - k - 1;
    }
    var neg = v < 0, s = Math.abs(v).toFixed(d);
    if (/^[0.]*$/.test(s)) { neg = false; }
    var parts = s.split("."), ip = parts[0], out = "";
    for (var i = 0; i < ip.length; i++) {
      if (i > 0 && (ip.length - i) % 3 === 0) { out += L.group; }
      out += L.digits[ip.charCodeAt(i) - 48];
    }
    if (parts.length > 1) {
      out += L.decimal;
      for (var j = 0; j < parts[1].length; j++) { out += L.digits[parts[1].charCodeAt(j) - 48]; }
    }
    return (neg ? "-" : "") + out;
  }

  // compact: 35.8K; a tick (round by construction) drops a trailing .0.
  function compact(v, L, tick) {
    var u = 0;
    while (Math.abs(v) >= 999.95 && u < L.units.length - 1) { v /= 1000; u++; }
    if (u === 0) { return tick ? fixed(v, -1, L) : fixed(Math.round(v), 0, L); }
    var s = fixed(v, 1, L);
    if (tick && Math.abs(v - Math.round(v)) < 1e-9) { s = fixed(Math.round(v), 0, L); }
    return s + L.units[u];
  }

  function sig3(v) {
    if (v === 0) { return [0, 0]; }
    var d = Math.max(0, 2 - Math.floor(Math.log(v) / Math.LN10 + 1e-12));
    var r = Math.round(v * Math.pow(10, d)) / Math.pow(10, d);
    if (d > 0 && Math.floor(Math.log(r) / Math.LN10 + 1e-12) > Math.floor(Math.log(v) / Math.LN10 + 1e-12)) {
      d--; r = Math.round(v * Math.pow(10, d)) / Math.pow(10, d);
    }
    return [r, d];
  }

  function money(v, L, tick) {
    var sign = v < 0 ? "-" : "", a = Math.abs(v), n;
    if (a >= 999.95) { n = compact(a, L, tick); } else if (tick) { n = fixed(a, -1, L); } else {
      var s = sig3(a); n = a >= 999.95 || s[0] >= 1000 ? compact(a, L) : fixed(s[0], s[1], L);
    }
    return sign + L.money.replace("{sym}", L.symbols.USD || "$").replace("{n}", n);
  }

  function pct(v, L, d) { return L.percent.replace("{n}", fixed(v, d === undefined ? 1 : d, L)); }

  // A log axis labels its decades only: not the 1-2-5 bounds it ends on
  // (500 beside 1K would run into it on a phone).
  function decade(v) { var e = Math.log(v) / Math.LN10; return Math.abs(e - Math.round(e)) < 1e-9; }
  var formats = {
    compact: function (v, L) { return compact(v, L, true); },
    money: function (v, L) { return money(v, L, true); },
    logcompact: function (v, L) { return decade(v) ? compact(v, L, true) : ""; },
    logmoney: function (v, L) { return decade(v) ? money(v, L, true) : ""; },
    pct: function (v, L) { return pct(v, L, v % 1 ? 1 : 0); },
    count: function (v, L) { return fixed(v, 0, L); }
  };
  var values = {
    compact: function (v, L) { return compact(v, L); },
    money: function (v, L) { return money(v, L); },
    pct: function (v, L) { return pct(v, L, 1); },
    count: function (v, L) { return fixed(v, 0, L); }
  };

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // hydrate replaces "fmt:NAME" formatters with functions, in place:
  // axisLabel.formatter "fmt:compact" writes ticks, tooltip.valueFormatter
  // "fmt:money" tooltip values, and tooltip.formatter "fmt:xy" a scatter
  // point as name, x and y with the axis names in option.gmvscope.
  //
  // labelLayout "fmt:outliers" places each label beside its point (left of
  // it when it would cross the chart's right edge at width), detached from
  // the point so echarts can shift overlapping labels apart vertically
  // (moveOverlap only moves labels given an x and y), draws a leader line
  // to the point, and hides a label that still overlaps another.
  function hydrate(o, L, width) {
    var meta = o.gmvscope || {};
    delete o.gmvscope;
    function walk(x, key) {
      if (x === null || typeof x !== "object") { return; }
      for (var k in x) {
        if (!Object.prototype.hasOwnProperty.call(x, k)) { continue; }
        var v = x[k];
        if (typeof v === "string" && v.indexOf("fmt:") === 0) {
          x[k] = formatter(v.slice(4), k, key);
        } else { walk(v, k); }
      }
    }
    function formatter(name, field, parent) {
      if (name === "outliers") {
        return function (p) {
          var x = p.rect.x + p.rect.width + 6;
          if (width && x + p.labelRect.width > width - 4) { x = p.rect.x - 6 - p.labelRect.width; }
          return { x: x, y: p.rect.y + p.rect.height / 2, moveOverlap: "shiftY", hideOverlap: true };
        };
      }
      if (name === "bins") {
        // A density bin of the scatter: the rectangle between its corners
        // on the log-log plane, filled with its class's colour.
        return function (params, api) {
          var p0 = api.coord([api.value(0), api.value(1)]), p1 = api.coord([api.value(2), api.value(3)]);
          return { type: "rect", shape: { x: Math.min(p0[0], p1[0]), y: Math.min(p0[1], p1[1]),
            width: Math.abs(p1[0] - p0[0]) + 0.5, height: Math.abs(p1[1] - p0[1]) + 0.5 },
            style: { fill: api.visual("color") } };
        };
      }
      if (name === "bin") {
        var bx = values[meta.x || "compact"], by = values[meta.y || "money"];
        return function (p) {
          var v = p.value || [];
          return esc((meta.binLabel || L.binCreators).replace("{n}", fixed(v[4], 0, L))) + "<br>" + esc(meta.xName || "") + ": <bdi>" + esc(bx(v[0], L)) + "–" + esc(bx(v[2], L)) +
            "</bdi><br>" + esc(meta.yName || "") + ": <bdi>" + esc(by(v[1], L)) + "–" + esc(by(v[3], L)) + "</bdi>";
        };
      }
      if (name === "wrapcat") {
        // A category label wrapped at spaces to its share of the plot's
        // width, so four tier names fit a phone without overlapping.
        var cats = (parent === "axisLabel" && meta.categories) || 4;
        var room = Math.max(48, ((width || 600) - 90) / cats - 8);
        return function (v) {
          var plain = String(v).replace(/[\u2066-\u2069]/g, "");
          var ec = root.echarts;
          if (!ec || ec.format.getTextRect(plain, "11px " + FONT).width <= room) { return v; }
          return iso(wrap(ec, plain, room, "11px " + FONT), L).join("\n");
        };
      }
      if (name === "xy") {
        var fx = values[meta.x || "compact"], fy = values[meta.y || "money"];
        return function (p) {
          var v = p.value || [];
          return "<bdi>" + esc(p.name || p.seriesName) + "</bdi><br>" + esc(meta.xName || "") + ": <bdi>" + esc(fx(v[0], L)) +
            "</bdi><br>" + esc(meta.yName || "") + ": <bdi>" + esc(fy(v[1], L)) + "</bdi>";
        };
      }
      var f = (field === "valueFormatter" ? values : formats)[name];
      if (!f) { throw new Error("gmvscope charts: unknown formatter " + name); }
      return function (v) { return typeof v === "number" ? f(v, L) : v; };
    }
    walk(o, "");
    // The density classes are measured in the font they are drawn in (a
    // family of "inherit" is measured in the canvas's default, narrower,
    // and the labels run into the next swatch).
    var vm = Array.isArray(o.visualMap) ? o.visualMap[0] : o.visualMap;
    if (vm) { vm.textStyle = vm.textStyle || {}; vm.textStyle.fontFamily = FONT; }
    if (width) { fitLegend(o, width); }
    return o;
  }

  // fitLegend moves the plot down by the rows a legend wraps onto at
  // width (five handles do not fit one row of a phone).
  function fitLegend(o, width, echarts) {
    var lg = Array.isArray(o.legend) ? o.legend[0] : o.legend, grid = Array.isArray(o.grid) ? o.grid[0] : o.grid;
    var ec = echarts || root.echarts;
    if (!lg || !grid || !ec || !lg.data) { return 0; }
    var font = ((lg.textStyle && lg.textStyle.fontSize) || 12) + "px " + FONT, rows = 1, x = 0, gap = lg.itemGap || 10;
    var avail = (lg.width || width) - 10;
    lg.data.forEach(function (d) {
      var name = typeof d === "string" ? d : d.name;
      var iw = 25 + 5 + ec.format.getTextRect(name, font).width;
      if (x > 0 && x + iw > avail) { rows++; x = 0; }
      x += iw + gap;
    });
    var extra = (rows - 1) * ((lg.itemHeight || 14) + 10);
    if (typeof grid.top === "number") { grid.top += extra; }
    // A density scatter's classes sit under the legend: they move with it.
    var vm = Array.isArray(o.visualMap) ? o.visualMap[0] : o.visualMap;
    if (vm && typeof vm.top === "number") { vm.top += extra; }
    return extra;
  }

  function clone(o) { return JSON.parse(JSON.stringify(o)); }

  // wrap breaks text into lines no wider than width in font, at spaces.
  function wrap(echarts, text, width, font) {
    var out = [];
    String(text).split("\n").forEach(function (para) {
      var words = para.split(" "), line = "";
      for (var i = 0; i < words.length; i++) {
        var next = line ? line + " " + words[i] : words[i];
        if (line && echarts.format.getTextRect(next, font).width > width) {
          out.push(line); line = words[i];
        } else { line = next; }
      }
      out.push(line);
    });
    return out;
  }

  // iso makes each line of a right-to-left text its own isolate: zrender
  // lays a line out left to right and the isolate keeps its words in
  // order. An argument's isolate (FSI … PDI) that a line break splits is
  // closed at the end of the line and opened again on the next.
  function iso(lines, L) {
    if (!L.rtl) { return lines; }
    var open = 0;
    return lines.map(function (line) {
      var head = new Array(open + 1).join(FSI);
      for (var i = 0; i < line.length; i++) {
        var c = line.charAt(i);
        if (c === FSI) { open++; } else if (c === PDI && open > 0) { open--; }
      }
      return RLI + head + line + new Array(open + 1).join(PDI) + PDI;
    });
  }

  // publish lays the view option out as an image of w × h pixels: title
  // and subtitle above, the legend under them, notes, source and date
  // below the plot, all inside the chart, so the image keeps them.
  function publish(echarts, view, meta, w, h, L) {
    var o = hydrate(clone(view), L, w);
    var pad = Math.max(16, Math.round(w / 50)), inner = w - 2 * pad;
    var tSize = w < 700 ? 20 : 24, sSize = w < 700 ? 13 : 15, fSize = w < 700 ? 11 : 12;
    var tFont = "bold " + tSize + "px " + FONT, sFont = sSize + "px " + FONT, fFont = fSize + "px " + FONT;
    var tLines = wrap(echarts, meta.title, inner, tFont), sLines = meta.subtitle ? wrap(echarts, meta.subtitle, inner, sFont) : [];
    var fLines = [];
    (meta.notes || []).forEach(function (n) { fLines = fLines.concat(wrap(echarts, n, inner, fFont)); });
    var foot = wrap(echarts, meta.source + " · " + meta.date, inner, "bold " + fFont);
    var tH = tLines.length * Math.round(tSize * 1.25), sH = sLines.length * Math.round(sSize * 1.35);
    var fLH = Math.round(fSize * 1.4), fH = (fLines.length + foot.length) * fLH;
    var side = L.rtl ? "right" : "left";
    // Title and subtitle are graphic texts, as the notes are: placed by
    // their side and aligned to it in both directions.
    function text(lines, font, color, lh, at) {
      var el = { type: "text", z: 100, style: { text: iso(lines, L).join("\n"), font: font, fill: color, lineHeight: lh, textAlign: side } };
      el[side] = pad;
      for (var k in at) { el[k] = at[k]; }
      return el;
    }
    var heads = [text(tLines, tFont, INK, Math.round(tSize * 1.25), { top: pad })];
    if (sLines.length) { heads.push(text(sLines, sFont, MUTED, Math.round(sSize * 1.35), { top: pad + tH + 6 })); }
    delete o.title;
    var legendTop = pad + tH + (sH ? sH + 6 : 0) + 12;
    if (o.legend) {
      var lg = Array.isArray(o.legend) ? o.legend[0] : o.legend;
      delete lg.left; delete lg.right; delete lg.bottom;
      lg.top = legendTop; lg[side] = pad - 5; lg.textStyle = { fontSize: sSize - 1, color: INK, fontFamily: FONT };
      lg.width = inner;
    }
    var grid = Array.isArray(o.grid) ? o.grid[0] : (o.grid = o.grid || {});
    grid.top = 0;
    var legendH = o.legend ? 28 + fitLegend(o, inner, echarts) : 0;
    var vm = Array.isArray(o.visualMap) ? o.visualMap[0] : o.visualMap;
    if (vm) {
      // The density classes: a row under the legend, in the image's type.
      delete vm.left; delete vm.right;
      vm.top = legendTop + legendH; vm[side] = pad - 5;
      vm.textStyle = { fontSize: sSize - 3, color: INK, fontFamily: FONT };
      vm.itemWidth = vm.itemHeight = sSize - 4;
      legendH += sSize + 10;
    }
    grid.top = legendTop + legendH + (meta.yNameTop ? 26 : 8);
    grid.bottom = pad + fH + 14 + (meta.xNameBelow ? 30 : 6);
    grid.left = pad; grid.right = pad + 28; grid.containLabel = true;
    // Notes, then the source line in bold.
    var foots = [];
    if (fLines.length) { foots.push(text(fLines, fFont, MUTED, fLH, { bottom: pad + foot.length * fLH })); }
    foots.push(text(foot, "bold " + fFont, INK, fLH, { bottom: pad }));
    o.graphic = heads.concat(foots);
    o.backgroundColor = "#ffffff";
    o.textStyle = { fontFamily: FONT };
    o.animation = false;
    return o;
  }

  // svg renders the published chart with echarts' server-side SVG
  // renderer and gives it a <title> and <desc> for screen readers.
  function svg(echarts, view, meta, w, h, L) {
    var c = echarts.init(null, null, { renderer: "svg", ssr: true, width: w, height: h });
    try {
      c.setOption(publish(echarts, view, meta, w, h, L));
      var s = c.renderToSVGString();
      var head = s.indexOf(">") + 1;
      return s.slice(0, head) + "\n<title>" + esc(meta.plainTitle || meta.title) + "</title>\n<desc>" + esc(meta.alt || "") + "</desc>" + s.slice(head);
    } finally { c.dispose(); }
  }

  // viewBox gives the SVG a chart drew in el a viewBox of its size, so CSS
  // can scale it (print sets it to the page's width) and it stays vector.
  function viewBox(el) {
    var s = el.querySelector("svg");
    if (!s) { return; }
    var w = s.getAttribute("width"), h = s.getAttribute("height");
    if (w && h && s.getAttribute("viewBox") !== "0 0 " + w + " " + h) {
      s.setAttribute("viewBox", "0 0 " + w + " " + h);
      s.setAttribute("preserveAspectRatio", "xMidYMid meet");
    }
  }

  root.gmvscope = { hydrate: hydrate, viewBox: viewBox, publish: publish, svg: svg, wrap: wrap,
    format: { fixed: fixed, compact: compact, money: money, pct: pct } };
})(this);
