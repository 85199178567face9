// Once-per-function tests for giving a generator function corio's shared prototype, without
// corio (docs/internals.md, "Spawn path", third pass). Instructions per closure:
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable \
//     bench/floor/body-mark-instr.mjs <variant> closure|same|alt <rounds>
//
// (total at 22 rounds - total at 2) / 400,000. Each round makes 20,000 generators from `fn`
// (a fresh closure, one function, or two alternating), resumes each twice, keeps them to the end.
const [variant, shape = "closure", roundsArg = "2"] = process.argv.slice(2);
const GP = Object.getPrototypeOf(function* () {}.prototype);
const genNext = GP.next;
const P = Object.create(GP);
const S = Symbol("s");
const GF = function* () {}.constructor;
const ws = new WeakSet();
let last = null;
const ACC = {
  get: function marked() {
    return true;
  },
  configurable: true,
};
let done = 0;
const preps = {
  plain(_fn) {},
  proto(fn) {
    fn.prototype = P;
  },
  mark(fn) {
    if (fn instanceof GF && fn[S] === undefined) {
      try {
        fn[S] = true;
        fn.prototype = P;
      } catch {}
    }
  },
  markonly(fn) {
    if (fn instanceof GF && fn[S] === undefined) fn[S] = true;
  },
  weakset(fn) {
    if (fn instanceof GF && !ws.has(fn)) {
      ws.add(fn);
      fn.prototype = P;
    }
  },
  last(fn) {
    if (fn !== last && fn instanceof GF) {
      last = fn;
      fn.prototype = P;
    }
  },
  readproto(fn) {
    if (fn instanceof GF && fn.prototype !== P) fn.prototype = P;
  },
  markacc(fn) {
    if (fn instanceof GF && fn[S] === undefined) {
      Object.defineProperty(fn, S, ACC);
      fn.prototype = P;
    }
  },
  instanceof(fn) {
    if (fn instanceof GF) done += 0;
  },
};
const prep = preps[variant];
function* w1() {
  yield 1;
  done++;
}
function* w2() {
  yield 1;
  done++;
}
const n = 20000;
const kind = shape === "closure" ? 0 : shape === "same" ? 1 : 2;
function round() {
  const gens = [];
  for (let i = 0; i < n; i++) {
    const fn =
      kind === 0
        ? function* () {
            yield 1;
            done++;
          }
        : kind === 1
          ? w1
          : i & 1
            ? w1
            : w2;
    prep(fn);
    const g = fn();
    genNext.call(g);
    gens.push(g);
  }
  for (const g of gens) genNext.call(g);
}
for (let r = 0; r < Number(roundsArg); r++) round();
if (done !== n * Number(roundsArg)) throw new Error("bad");
