/** One split of a data set: `count` images of `height`x`width` unsigned bytes, row-major, and their labels. */
export interface Split {
  /** `count * height * width` pixels, 0 (background) to 255. */
  readonly images: Uint8Array;
  /** `count` class indices. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}
