// Runs a dist/ entry point with the arguments that follow and prints its peak resident memory
// on exit (`peak-rss-kib N` on stderr), so a test can bound what a hostile input costs.
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], entry, ...args];
process.on('exit', () => process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(entry).href);
