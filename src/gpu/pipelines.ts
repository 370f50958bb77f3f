// Compute pipelines compiled once per (shader code, entry point, constants), created
// asynchronously, with compile and validation errors turned into thrown errors that name the
// kernel and the shader file and line.
import { type WgslSource, sourceLine } from './shader.js';

export interface PipelineSpec {
  /** Kernel name used in error messages, e.g. "conv2d/register". */
  kernel: string;
  code: WgslSource;
  entryPoint: string;
  /** Pipeline-overridable constants (WGSL `override`). */
  constants?: Record<string, number>;
}

/** A small number per distinct shader text, so keys stay short and two texts never share one. */
const codeIds = new Map<string, number>();
function codeId(code: string): number {
  let id = codeIds.get(code);
  if (id === undefined) codeIds.set(code, (id = codeIds.size));
  return id;
}

export function pipelineKey(spec: PipelineSpec): string {
  const constants = Object.entries(spec.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${codeId(spec.code.code)}|${spec.entryPoint}|${constants}`;
}

export class PipelineCache {
  private pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private modules = new Map<string, Promise<GPUShaderModule>>();

  constructor(private device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const key = pipelineKey(spec);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.create(spec);
      this.pipelines.set(key, pipeline);
      // A failed compile is not cached: the next call reports it again.
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private module(spec: PipelineSpec): Promise<GPUShaderModule> {
    const key = spec.code.code;
    let module = this.modules.get(key);
    if (!module) {
      module = this.compile(spec);
      this.modules.set(key, module);
      module.catch(() => this.modules.delete(key));
    }
    return module;
  }

  private async compile(spec: PipelineSpec): Promise<GPUShaderModule> {
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: spec.code.code, label: spec.code.file });
    const info = await module.getCompilationInfo();
    const scopeError = await this.device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) {
      const lines = errors.map((m) => `${sourceLine(spec.code, m.lineNum)}:${m.linePos}: ${m.message}`);
      throw new Error(`${spec.kernel}: WGSL compile error: ${lines.join('; ')}`);
    }
    if (scopeError) throw new Error(`${spec.kernel}: shader module error: ${scopeError.message}`);
    return module;
  }

  private async create(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const module = await this.module(spec);
    const descriptor: GPUComputePipelineDescriptor = {
      label: spec.kernel,
      layout: 'auto',
      compute: { module, entryPoint: spec.entryPoint, constants: spec.constants },
    };
    try {
      return await this.device.createComputePipelineAsync(descriptor);
    } catch (e) {
      throw new Error(`${spec.kernel}: pipeline creation failed (${spec.entryPoint}): ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}
