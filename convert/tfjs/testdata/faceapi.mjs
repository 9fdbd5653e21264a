// Runs one of face-api's own nets, on its bundled TF.js CPU backend, over
// images given as raw float32 pixels, so that convert/tfjs's test can
// compare the converted ONNX model with the original on identical input.
//
//   node faceapi.mjs <face-api package dir> <net> <in.f32> <out.f32>
//
// net is faceRecognitionNet, ageGenderNet, ssdMobilenetv1 or
// tinyFaceDetector. in.f32 holds N images of S×S×3 little-endian float32
// RGB values 0–255, row-major (HWC), S being 150, 112, 512 or 416 for the
// net. out.f32 receives, per image, the 128-d descriptor; or age followed
// by the two gender probabilities; or the 5118 anchors' boxes (top, left,
// bottom, right) followed by their scores; or the tiny detector's raw
// 13×13×25 grid.
//
// Weights are read from <dir>/model and decoded by TF.js's own
// tf.io.decodeWeights, so dequantisation is TF.js's, not the converter's.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, netName, inPath, outPath] = process.argv.slice(2);
const models = {
  faceRecognitionNet: { file: 'face_recognition_model', size: 150 },
  ageGenderNet: { file: 'age_gender_model', size: 112 },
  ssdMobilenetv1: { file: 'ssd_mobilenetv1_model', size: 512 },
  tinyFaceDetector: { file: 'tiny_face_detector_model', size: 416 },
};
const model = models[netName];
if (!model) throw new Error(`unknown net ${netName}`);

// face-api.esm.js is a browser bundle: on Node its TF.js would set up a
// Node platform from a stubbed-out 'util' module and fail. Looking like a
// web worker makes it take the browser platform, which only needs fetch,
// performance and TextEncoder — all in Node — and no DOM.
globalThis.WorkerGlobalScope ??= class {};
const faceapi = await import(pathToFileURL(join(dir, 'dist', 'face-api.esm.js')).href);
const { tf } = faceapi;
if (!(await tf.setBackend('cpu'))) throw new Error('TF.js CPU backend unavailable');
await tf.ready();

const modelDir = join(dir, 'model');
const manifest = JSON.parse(await readFile(join(modelDir, `${model.file}-weights_manifest.json`), 'utf8'));
const weightMap = {};
for (const group of manifest) {
  const shards = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
  const data = Buffer.concat(shards);
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  Object.assign(weightMap, tf.io.decodeWeights(buf, group.weights));
}
const net = faceapi.nets[netName];
net.loadFromWeightMap(weightMap);

const raw = await readFile(inPath);
const pixels = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const per = model.size * model.size * 3;
if (pixels.length === 0 || pixels.length % per !== 0) throw new Error(`${inPath}: not a whole number of ${model.size}×${model.size} images`);

const out = [];
for (let i = 0; i < pixels.length / per; i++) {
  const image = tf.tensor3d(pixels.subarray(i * per, (i + 1) * per), [model.size, model.size, 3], 'float32');
  // forward() is forwardInput(toNetInput(image)): a tensor of the net's
  // own size goes through unpadded and unresized.
  const result = await net.forward(image, model.size);
  if (netName === 'faceRecognitionNet' || netName === 'tinyFaceDetector') {
    out.push(...(await result.data()));
    result.dispose();
  } else if (netName === 'ssdMobilenetv1') {
    out.push(...(await result.boxes[0].data()), ...(await result.scores[0].data()));
    tf.dispose([result.boxes, result.scores]);
  } else {
    out.push(...(await result.age.data()), ...(await result.gender.data()));
    result.age.dispose();
    result.gender.dispose();
  }
  image.dispose();
}
await writeFile(outPath, Buffer.from(new Float32Array(out).buffer));
