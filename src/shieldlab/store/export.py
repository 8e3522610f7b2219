"""Trajectory exports: CZML (Cesium-compatible viewers) and CSV, written atomically.

Input is the column dictionary of
:func:`shieldlab.threats.summary.geodetic_samples` (object, t_s, lat_deg,
lon_deg, alt_m, speed_mps, phase). CZML positions are cartographic degrees
on WGS-84 (the Earth-fixed frame), sampled in seconds from the scenario epoch
and Lagrange-interpolated by the viewer (CZML spec, "Position" packet).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Columns = dict[str, NDArray[np.generic]]


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (no half file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def czml(
    samples: Columns, names: list[str], epoch: datetime, title: str
) -> list[dict[str, object]]:
    """CZML packets: a document packet and one packet per object (``names[object]``)."""
    t = np.asarray(samples["t_s"], np.float64)
    obj = np.asarray(samples["object"], np.int64)
    start, end = (
        epoch + timedelta(seconds=float(t.min())),
        epoch + timedelta(seconds=float(t.max())),
    )
    packets: list[dict[str, object]] = [
        {
            "id": "document",
            "name": title,
            "version": "1.0",
            "clock": {
                "interval": f"{_iso(start)}/{_iso(end)}",
                "currentTime": _iso(start),
                "multiplier": 30,
            },
        }
    ]
    for i in np.unique(obj).tolist():  # one packet per object: output formatting
        m = obj == i
        ti = t[m]
        coords = np.column_stack(
            [ti, samples["lon_deg"][m], samples["lat_deg"][m], samples["alt_m"][m]]
        )
        a, b = epoch + timedelta(seconds=float(ti[0])), epoch + timedelta(seconds=float(ti[-1]))
        packets.append(
            {
                "id": f"object-{i}",
                "name": names[i],
                "availability": f"{_iso(a)}/{_iso(b)}",
                "position": {
                    "epoch": _iso(epoch),
                    "interpolationAlgorithm": "LAGRANGE",
                    "interpolationDegree": 3,
                    "cartographicDegrees": [round(float(x), 6) for x in coords.ravel()],
                },
                "point": {"pixelSize": 6, "color": {"rgba": [220, 50, 47, 255]}},
                "path": {"width": 2, "leadTime": 0, "trailTime": 1e6, "resolution": 10},
            }
        )
    return packets


def write_czml(path: Path, samples: Columns, names: list[str], epoch: datetime, title: str) -> Path:
    """Write the CZML document (JSON array) atomically."""
    return write_text_atomic(path, json.dumps(czml(samples, names, epoch, title)))


def write_csv(path: Path, samples: Columns, names: list[str]) -> Path:
    """Write the samples as CSV with a ``name`` column, atomically."""
    buf = io.StringIO()
    w = csv.writer(buf)
    cols = ["object", "t_s", "lat_deg", "lon_deg", "alt_m", "speed_mps", "phase"]
    w.writerow(["name", *cols])
    obj = samples["object"]
    data = [samples[c] for c in cols]
    for k in range(obj.size):
        w.writerow([names[int(obj[k])], *(d[k].item() for d in data)])
    return write_text_atomic(path, buf.getvalue())
