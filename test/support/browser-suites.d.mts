export const BROWSER_SUITES: string[];
