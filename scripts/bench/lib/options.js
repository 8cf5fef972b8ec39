// Command-line options of the benchmark scripts, read one at a time: each option's value, a positive number, --help.
// I/O: prints the help and exits on --help.
'use strict';

/**
 * Calls `onOption(name, { value, positive })` for each option in `argv`; `value()` takes the option's argument,
 * `positive()` takes it as a number > 0. `onOption` returns false for an option it does not know (an error).
 */
function eachOption(argv, help, onOption) {
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help' || name === '-h') {
      process.stdout.write(help);
      process.exit(0);
    }
    const value = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${name} needs a value`);
      return x;
    };
    const positive = () => {
      const x = Number(value());
      if (!(x > 0)) throw new Error(`${name} needs a positive number`);
      return x;
    };
    if (onOption(name, { value, positive }) === false) throw new Error(`unknown option ${name} (see --help)`);
  }
}

module.exports = { eachOption };
