// Captures how JavaScript writes JSON, for the Go tests of internal/jsjson, the one codec of
// "JSON as JavaScript writes it" (Socket.IO payloads, cluster values, Redis wire messages).
//
// Usage (from test/js; socket.io-parser comes with npm ci):
//
//	npm run capture-js-json                  # writes ../../internal/jsjson/testdata/node-json.json
//	node capture-js-json.js [output file]
//
// The output is deterministic for a given Node.js and socket.io-parser: every case is built
// from constants or from a fixed-seed generator. Each case holds what Go needs to build the
// same value and what JSON.stringify wrote for it:
//
//	numbers:      {"bits": IEEE 754 bits as 16 hex digits, "json"}
//	strings:      {"codepoints": [...], "json"}        (well-formed strings only: Go has no lone surrogates)
//	dates:        {"ms": epoch milliseconds, "json"}   (null out of a Date's range)
//	buffers:      {"bytes": [...], "json"}             (a Buffer's toJSON)
//	values:       {"name", "json"}                     (objects and arrays: key order, dropped members)
//	packets:      {"name", "encoded": [...], "attachments": [[...]...]}  (socket.io-parser's Encoder)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { Encoder } = require("socket.io-parser");

const OUT = process.argv[2] || path.join(__dirname, "..", "..", "internal", "jsjson", "testdata", "node-json.json");

function bitsOf(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16).padStart(16, "0");
}

function fromBits(hex) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt("0x" + hex));
  return dv.getFloat64(0);
}

// xorshift64*, fixed seed: the same "random" doubles on every run.
let state = 0x9e3779b97f4a7c15n;
function next64() {
  state ^= state >> 12n;
  state ^= (state << 25n) & 0xffffffffffffffffn;
  state ^= state >> 27n;
  return (state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}

const numbers = [
  0, -0, 1, -1, 0.5, 0.1, 0.2, 0.1 + 0.2, 1 / 3, 2 / 3, -123.456, 4.35, 100, 1e6, 123e-20,
  1e-6, 1e-7, 1.5e-7, -1e-7, 0.000001234, 0.0000001234, 1e-300, 5e-324, -5e-324, 2.2250738585072014e-308,
  1e15, 1e16, 1e20, 1e21, -1e21, 1.5e21, 1e22, 1.5e300, Number.MAX_VALUE, -Number.MAX_VALUE,
  2 ** 31, 2 ** 32, 2 ** 52, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 2 ** 64, 2 ** 70,
  123456789012345680000, 9007199254740993, 1.2345678901234568e20, 999999999999999900000,
  1234567.0000001, 0.30000000000000004, 1.7976931348623157e308,
  NaN, Infinity, -Infinity,
];
for (let i = 0; i < 400; i++) {
  const x = fromBits(next64().toString(16).padStart(16, "0"));
  if (Number.isFinite(x)) numbers.push(x);
}
for (let i = 0; i < 200; i++) {
  // Decimal-looking values around the exponent switches (1e-7, 1e21) and integers.
  const e = Number(next64() % 50n) - 25;
  const m = Number(next64() % 1000000n) / 1000;
  numbers.push(m * 10 ** e, Math.round(m * 10 ** (e + 10)));
}

const cp = (s) => Array.from(s, (c) => c.codePointAt(0));
const allControls = String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i));
const strings = [
  "", "abc", "\"\\/", "\b\f\n\r\t", allControls, "\x7f\x80\x9f\xa0", "<script>&</script>", "\u2028\u2029",
  "é漢字😀", "\ufeff\ufffd\uffff", "\u{10ffff}\u{1f600}\u{1d11e}", "a\"b\\c\u0000d", "'single' `back`",
  "line1\nline2\r\n", "tab\there", "\u00e9\u0301", "null", "1e21",
];

const dates = [
  0, -1, 1, 1700000000123, 951782400000 /* 2000-02-29 */, 253402300799999 /* 9999-12-31T23:59:59.999 */,
  253402300800000 /* 10000-01-01 */, -62167219200000 /* 0000-01-01 */, -62167219200001 /* year -1 */,
  -62198755200000 /* -000001-01-01 */, 1e15, -1e15, 8.64e15, -8.64e15 /* a Date's range */, 8.64e15 + 1, -8.64e15 - 1,
];

const buffers = [[], [0], [1, 2, 3], [255, 128, 0, 127]];

const values = [
  ["key order", () => ({ b: 1, a: 2, c: { z: 1, y: [3, 2, 1], x: null } })],
  ["integer-like keys first, ascending", () => ({ b: 1, 10: "ten", a: 2, 2: "two", "-1": "neg", "01": "zero one", 4294967295: "big" })],
  ["nested arrays and objects", () => [[], {}, [[[]]], { a: { b: { c: {} } } }, [null, true, false, 0, "", {}]]],
  ["undefined and functions", () => ({ a: undefined, b: () => 1, c: [undefined, () => 1, Symbol("s")], d: 1 })],
  ["NaN and Infinity in containers", () => ({ n: NaN, i: [Infinity, -Infinity, -0] })],
  ["dates in containers", () => ({ at: new Date(1700000000123), list: [new Date(253402300800000), new Date(NaN)] })],
  ["buffer in an object", () => ({ buf: Buffer.from([1, 2]) })],
  ["unicode keys", () => ({ "é": 1, "漢字": 2, "😀": 3, "\u2028": 4, "a\"b": 5, "\n": 6 })],
  ["repeated set keeps first place", () => { const o = { a: 1, b: 2 }; o.a = 3; return o; }],
  ["deleted and re-added key goes last", () => { const o = { a: 1, b: 2 }; delete o.a; o.a = 3; return o; }],
  ["numbers in arrays", () => [1e-7, 1e21, -0, 5e-324, 2 ** 53 + 2, 0.1]],
];

const packets = [
  ["event with binary", { type: 2, nsp: "/", data: ["upload", Buffer.from([1, 2]), { a: Buffer.from([3]), b: [Buffer.from([]), "x"] }] }],
  ["ack with binary and id", { type: 3, nsp: "/admin", id: 7, data: [{ z: 1, file: Buffer.from([9]) }] }],
  ["event without binary", { type: 2, nsp: "/", data: ["chat", "hé\u2028<>&", 1e-7, -0, { b: 1, a: [1e21] }] }],
];

const out = {
  generator: "test/js/capture-js-json.js",
  node: process.version,
  numbers: numbers.map((x) => ({ bits: bitsOf(x), json: JSON.stringify(x) })),
  strings: strings.map((s) => ({ codepoints: cp(s), json: JSON.stringify(s) })),
  dates: dates.map((ms) => ({ ms, json: JSON.stringify(new Date(ms)) })),
  buffers: buffers.map((b) => ({ bytes: b, json: JSON.stringify(Buffer.from(b)) })),
  values: values.map(([name, make]) => ({ name, json: JSON.stringify(make()) })),
  packets: packets.map(([name, p]) => {
    const parts = new Encoder().encode(p);
    return {
      name,
      encoded: parts.filter((x) => typeof x === "string"),
      attachments: parts.filter((x) => typeof x !== "string").map((b) => Array.from(b)),
    };
  }),
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
// One case a line, so that a new capture reads as a diff.
const lines = ["{"];
const keys = Object.keys(out);
keys.forEach((k, i) => {
  const comma = i < keys.length - 1 ? "," : "";
  if (!Array.isArray(out[k])) {
    lines.push(` ${JSON.stringify(k)}: ${JSON.stringify(out[k])}${comma}`);
    return;
  }
  lines.push(` ${JSON.stringify(k)}: [`);
  out[k].forEach((c, j) => lines.push(`  ${JSON.stringify(c)}${j < out[k].length - 1 ? "," : ""}`));
  lines.push(` ]${comma}`);
});
lines.push("}");
fs.writeFileSync(OUT, lines.join("\n") + "\n");
console.log(`wrote ${OUT}: ${out.numbers.length} numbers, ${out.strings.length} strings, ${out.dates.length} dates, ` +
  `${out.buffers.length} buffers, ${out.values.length} values, ${out.packets.length} packets`);
