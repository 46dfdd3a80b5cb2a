// Stand-in for the `string-width` package in the bundle (scripts/build.mjs aliases it here). string-width
// builds an Intl.Segmenter and Unicode-property regular expressions as soon as it is imported: about 30 ms,
// more than Node's own start-up, paid by every command because yargs imports it. yargs only measures help
// text, which is printable ASCII; that string-width answers with the length, and so does this stand-in. Any
// other text goes to the real module, loaded on first use.
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;

let real;

export default function stringWidth(input, options) {
  if (typeof input === 'string' && PRINTABLE_ASCII.test(input)) return input.length;
  // A require() of an ES module: the bundler turns it into a lazy initializer.
  real ??= require('../../node_modules/string-width/index.js').default;
  return real(input, options);
}
