#!/usr/bin/env node
import { printStoredHelp } from './stored-help.js';

// A run that asks only for help is answered from the help yargs rendered at build time; everything else
// (yargs, the command's code) loads only for a command to run.
const argv = process.argv.slice(2);
if (!printStoredHelp(argv, new URL('./help.json', import.meta.url))) {
  await (await import('./run.js')).main(argv);
}
