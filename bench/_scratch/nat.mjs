async function task() { await null; }
async function spawnN(N) { const ps = []; for (let i = 0; i < N; i++) ps.push(task()); for (const p of ps) await p; }
async function worker(Y) { for (let j = 0; j < Y; j++) await null; }
async function yieldN(T, Y) { const ps = []; for (let i = 0; i < T; i++) ps.push(worker(Y)); for (const p of ps) await p; }
await spawnN(10000);
for (let k = 0; k < 3; k++) {
  gc();
  let t0 = performance.now(); await spawnN(100000); console.log("spawn", ((performance.now() - t0) * 1e6 / 1e5).toFixed(0));
  gc();
  t0 = performance.now(); await yieldN(1000, 1000); console.log("yield", ((performance.now() - t0) * 1e6 / 1e6).toFixed(0));
}
