/**
 * The drawing pad: white strokes on black, as Fashion-MNIST's objects are light on a dark
 * background. Pointer events cover mouse, pen and touch. A dropped or opened image is drawn into
 * the pad fitted and centred; a photo on a light background is inverted to match the data set.
 */
export interface DrawPad {
  clear(): void;
  /** Draws an image file into the pad; resolves with whether it was inverted. */
  load(file: Blob): Promise<{ inverted: boolean }>;
}

const STROKE = 22;

export function drawPad(canvas: HTMLCanvasElement, onChange: () => void): DrawPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('the drawing pad needs a 2D canvas context');
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const line = (to: { x: number; y: number }) => {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    if (last === null) {
      ctx.arc(to.x, to.y, STROKE / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
    last = to;
    onChange();
  };
  canvas.style.touchAction = 'none';
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    line(at(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last !== null) line(at(e));
  });
  const end = () => {
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const load = async (file: Blob): Promise<{ inverted: boolean }> => {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      throw new Error(`${(file as File).name ?? 'the file'}: not an image this browser can decode (${file.type || 'unknown type'})`);
    }
    clear();
    const fit = Math.min(canvas.width / bitmap.width, canvas.height / bitmap.height);
    const w = bitmap.width * fit;
    const h = bitmap.height * fit;
    ctx.drawImage(bitmap, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    bitmap.close();
    // Product photos are dark objects on white; the networks learnt light objects on black.
    const x0 = Math.ceil((canvas.width - w) / 2);
    const y0 = Math.ceil((canvas.height - h) / 2);
    const x1 = Math.floor((canvas.width + w) / 2) - 1;
    const y1 = Math.floor((canvas.height + h) / 2) - 1;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let edge = 0;
    let n = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (x > x0 + 2 && x < x1 - 2 && y > y0 + 2 && y < y1 - 2) continue;
        const p = 4 * (y * canvas.width + x);
        edge += (data[p] + data[p + 1] + data[p + 2]) / 3;
        n++;
      }
    }
    const inverted = n > 0 && edge / n > 128;
    if (inverted) {
      ctx.globalCompositeOperation = 'difference';
      ctx.fillStyle = '#fff';
      ctx.fillRect(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
      ctx.globalCompositeOperation = 'source-over';
    }
    onChange();
    return { inverted };
  };

  canvas.addEventListener('dragover', (e) => {
    e.preventDefault();
    canvas.classList.add('drop');
  });
  canvas.addEventListener('dragleave', () => canvas.classList.remove('drop'));
  canvas.addEventListener('drop', (e) => {
    e.preventDefault();
    canvas.classList.remove('drop');
    const file = e.dataTransfer?.files[0];
    if (file !== undefined) canvas.dispatchEvent(new CustomEvent('zoo-file', { detail: file }));
  });
  return { clear: () => (clear(), onChange()), load };
}
