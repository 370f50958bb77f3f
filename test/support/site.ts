// The pages the tests drive: dist/browser served on localhost (bench/site.ts), and Chromium.
import { serveDirectory } from '../../bench/site.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SITE = 'dist/browser';

export const serveSite = () => serveDirectory(SITE);
