// The webcam of the training page: frames as RGB images (for training and live predictions)
// with small thumbnails; a denied or missing camera is an error that says so.
import { type RgbImage, rgbFromRgba } from 'webgpu-transfer/internals';

export interface Frame {
  name: string;
  image: RgbImage;
  thumb: string;
}

const THUMB = 64;

export class Camera {
  private stream: MediaStream | null = null;
  private readonly canvas = document.createElement('canvas');
  private readonly thumbCanvas = Object.assign(document.createElement('canvas'), { width: THUMB, height: THUMB });

  constructor(private readonly video: HTMLVideoElement) {}

  get on(): boolean {
    return this.stream !== null;
  }

  get size(): string {
    return `${this.video.videoWidth}x${this.video.videoHeight}`;
  }

  async start(): Promise<void> {
    if (this.stream) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives no camera to this page');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (e) {
      const name = (e as DOMException).name;
      if (name === 'NotAllowedError' || name === 'SecurityError')
        throw new Error('the camera was denied: allow it in the site settings to record or predict from it', {
          cause: e,
        });
      if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new Error('no camera found', { cause: e });
      throw new Error(`the camera could not start (${(e as Error).message})`, { cause: e });
    }
    this.video.srcObject = this.stream;
    await this.video.play();
    while (!this.video.videoWidth) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  /** The current frame, as the camera gives it. */
  frame(name: string): Frame {
    if (!this.stream) throw new Error('the webcam is off');
    const { videoWidth: w, videoHeight: h } = this.video;
    this.canvas.width = w;
    this.canvas.height = h;
    const context = this.canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(this.video, 0, 0, w, h);
    const image = rgbFromRgba(context.getImageData(0, 0, w, h).data, w, h);
    return { name, image, thumb: squareThumbnail(this.canvas, this.thumbCanvas) };
  }
}

/** The middle square of `canvas` scaled to a THUMB-pixel JPEG data URL (drawn on `thumb`, made when not given). */
export function squareThumbnail(canvas: HTMLCanvasElement, thumb?: HTMLCanvasElement): string {
  const target = thumb ?? Object.assign(document.createElement('canvas'), { width: THUMB, height: THUMB });
  const { width: w, height: h } = canvas;
  const side = Math.min(w, h);
  target.getContext('2d')!.drawImage(canvas, (w - side) / 2, (h - side) / 2, side, side, 0, 0, THUMB, THUMB);
  return target.toDataURL('image/jpeg', 0.8);
}
