// A dashboard client in its own thread (a worker: its own event loop, so a server that blocks
// the main thread's event loop cannot also hold back the client's clock). It sends
// POST /findings/ID/archive, then, from 50 ms later until the archive answers, GET /static/app.css
// every 20 ms, and reports each answer's status and time in ms.
//
// Test and bench support only: new Worker(URL of this file, { workerData: { port, cookie, id } }).
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

const { port, cookie, id } = workerData;

function http(method, path) {
  const started = performance.now();
  const headers = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, cookie };
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('error', fail);
    req.end();
  });
}

let finished = false;
const archive = http('POST', `/findings/${encodeURIComponent(id)}/archive`).finally(() => {
  finished = true;
});
await new Promise((r) => setTimeout(r, 50));
const css = [];
while (!finished) {
  css.push(await http('GET', '/static/app.css'));
  await new Promise((r) => setTimeout(r, 20));
}
parentPort.postMessage({ archive: await archive, css });
