// Runs a dist/ entry point with the arguments that follow and prints its peak resident memory
// on exit (`peak-rss-kib N` on stderr), so a test can bound what a hostile input costs. The peak
// is the process's own (VmHWM of /proc/self/status: it starts anew at exec, unlike getrusage's
// maxRSS, which keeps the parent's resident size from before the exec); maxRSS elsewhere.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], entry, ...args];
process.on('exit', () => {
  let kib = process.resourceUsage().maxRSS;
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) kib = Number(hwm[1]);
  } catch {
    // not Linux
  }
  process.stderr.write(`peak-rss-kib ${kib}\n`);
});
await import(pathToFileURL(entry).href);
