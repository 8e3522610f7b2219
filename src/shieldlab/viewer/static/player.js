// shieldlab trial player: plays one stored trial's CZML on an offline CesiumJS globe.
// Imagery is the Natural Earth II set CesiumJS ships; no Cesium ion token, no network.
"use strict";
(function () {
  const tag = document.querySelector("script[data-czml]");
  const url = tag.dataset.czml;
  const status = document.getElementById("status");
  const slider = document.getElementById("time-slider");
  const clockOut = document.getElementById("clock");
  const playBtn = document.getElementById("play");
  const details = document.getElementById("details");
  const state = { ready: false, error: null, viewer: null, dataSource: null, counts: {} };
  window.shieldlab = state;

  const viewer = new Cesium.Viewer("globe", {
    baseLayer: Cesium.ImageryLayer.fromProviderAsync(
      Cesium.TileMapServiceImageryProvider.fromUrl(
        Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"))),
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    baseLayerPicker: false, geocoder: false, navigationHelpButton: false,
    fullscreenButton: false, sceneModePicker: true, homeButton: true,
    infoBox: true, selectionIndicator: true, animation: true, timeline: true,
    shouldAnimate: false,
    // draw only when something changes (a tile, the camera, the clock): idle costs nothing
    requestRenderMode: true,
    maximumRenderTimeChange: 0.0,
  });
  state.viewer = viewer;

  // Software WebGL (no GPU: SwiftShader, llvmpipe) spends seconds a frame on the sky
  // and ground atmosphere; without them the globe still shows everything the trial holds.
  const gl = viewer.scene.context._gl;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  state.software = /swiftshader|llvmpipe|software/i.test(renderer);
  if (state.software || new URLSearchParams(location.search).has("light")) {
    const scene = viewer.scene;
    scene.skyAtmosphere.show = false;
    scene.globe.showGroundAtmosphere = false;
    scene.fog.enabled = false;
    scene.skyBox.show = false;
    scene.sun.show = false;
    scene.moon.show = false;
    document.getElementById("render-note").textContent =
      "Software rendering (no GPU): sky and atmosphere are off to keep the globe fast.";
  }

  function prefix(e) { return e.id.split("/")[0]; }

  function count(ds) {
    const c = {};
    for (const e of ds.entities.values) c[prefix(e)] = (c[prefix(e)] || 0) + 1;
    return c;
  }

  function showLegend(ds) {
    // one line per threat class and object kind, in the colour of its path
    const seen = new Map();
    const t = viewer.clock.startTime;
    for (const e of ds.entities.values) {
      if (prefix(e) !== "threat" || !e.path || !e.path.material) continue;
      const what = (e.name || e.id).replace(/\s+\d+$/, "");
      if (seen.has(what)) continue;
      const c = e.path.material.color ? e.path.material.color.getValue(t) : undefined;
      if (c) seen.set(what, c.toCssColorString());
    }
    const ul = document.getElementById("legend-threats");
    for (const [what, css] of [...seen.entries()].sort()) {
      const li = document.createElement("li");
      const i = document.createElement("i");
      i.style.background = css;
      li.append(i, document.createTextNode(what));
      ul.append(li);
    }
  }

  function showCounts(c) {
    const rows = [["threat", "threat objects"], ["interceptor", "interceptors"],
      ["kill", "kills"], ["leak", "leakers"], ["sat", "satellites shown"],
      ["sensor", "sensors"], ["asset", "defended assets"]];
    const dl = document.getElementById("counts");
    dl.replaceChildren();
    for (const [k, label] of rows) {
      const dt = document.createElement("dt"); dt.textContent = label;
      const dd = document.createElement("dd"); dd.textContent = String(c[k] || 0);
      dd.id = "count-" + k;
      dl.append(dt, dd);
    }
  }

  function fraction() {
    const clock = viewer.clock;
    const span = Cesium.JulianDate.secondsDifference(clock.stopTime, clock.startTime);
    const t = Cesium.JulianDate.secondsDifference(clock.currentTime, clock.startTime);
    return span > 0 ? t / span : 0;
  }

  function onTick() {
    // keep drawing while geometry (asset circles, sensor fans) or imagery is still arriving
    if (!viewer.dataSourceDisplay.ready || !viewer.scene.globe.tilesLoaded) {
      viewer.scene.requestRender();
    }
    const clock = viewer.clock;
    if (document.activeElement !== slider) slider.value = String(Math.round(fraction() * 1000));
    const t = Cesium.JulianDate.secondsDifference(clock.currentTime, clock.startTime);
    const iso = Cesium.JulianDate.toIso8601(clock.currentTime, 0).replace("T", " ");
    clockOut.textContent = `${iso} · T+${(t / 60).toFixed(1)} min`;
    playBtn.textContent = clock.shouldAnimate ? "❚❚ pause" : "▶ play";
  }

  slider.addEventListener("input", () => {
    const clock = viewer.clock;
    const span = Cesium.JulianDate.secondsDifference(clock.stopTime, clock.startTime);
    clock.currentTime = Cesium.JulianDate.addSeconds(
      clock.startTime, (Number(slider.value) / 1000) * span, new Cesium.JulianDate());
    viewer.scene.requestRender();
    onTick();
  });
  playBtn.addEventListener("click", () => {
    viewer.clock.shouldAnimate = !viewer.clock.shouldAnimate;
    onTick();
  });

  viewer.selectedEntityChanged.addEventListener((e) => {
    details.replaceChildren();
    const h = document.createElement("h2");
    const p = document.createElement("p");
    p.className = "note";
    if (e) {
      h.textContent = e.name || e.id;
      p.textContent = "id " + e.id + " — details in the globe's info box.";
    } else {
      p.textContent = "Click an object on the globe for its details.";
    }
    details.append(h, p);
  });

  function frame(ds) {
    // the ground picture: defended assets, sites, sensors on the ground, launch areas and
    // the threats' launch points (satellites and GEO sensors would push the view to space)
    const t0 = viewer.clock.startTime;
    const carts = [];
    for (const e of ds.entities.values) {
      const k = prefix(e);
      if (!e.position || !["asset", "sensor", "site", "threat", "launch"].includes(k)) continue;
      const at = k === "threat" && e.availability ? e.availability.start : t0;
      const p = e.position.getValue(at);
      if (!p) continue;
      const c = Cesium.Cartographic.fromCartesian(p);
      if (c && c.height < 1.0e5) carts.push(c);
    }
    if (!carts.length) return;
    const r = Cesium.Rectangle.fromCartographicArray(carts);
    const pad = Math.max(0.15 * r.height, Cesium.Math.toRadians(4));
    const west = r.west - pad, east = r.east + pad;
    const south = Math.max(r.south - pad, -Cesium.Math.PI_OVER_TWO);
    const north = Math.min(r.north + pad, Cesium.Math.PI_OVER_TWO);
    viewer.camera.setView({ destination: new Cesium.Rectangle(
      Cesium.Math.negativePiToPi(west), south, Cesium.Math.negativePiToPi(east), north) });
  }

  Cesium.CzmlDataSource.load(url)
    .then((ds) => viewer.dataSources.add(ds))
    .then((ds) => {
      state.dataSource = ds;
      viewer.clock.shouldAnimate = false;
      viewer.clock.onTick.addEventListener(onTick);
      state.counts = count(ds);
      showCounts(state.counts);
      showLegend(ds);
      frame(ds);
      viewer.homeButton.viewModel.command.beforeExecute.addEventListener((ev) => {
        ev.cancel = true; // "home" is the raid's region, not Cesium's default view
        frame(ds);
      });
      onTick();
      status.textContent = "";
      state.ready = true;
    })
    .catch((err) => {
      state.error = String(err);
      status.className = "warn";
      status.textContent = "could not load the trial: " + err;
    });
})();
