export interface ExpandedWgsl {
  file: string;
  code: string;
  map: [number, string, number][];
}
export function expandWgsl(path: string, root?: string): ExpandedWgsl;
export function wgslModule(path: string, root?: string): string;
