import { SingleBar } from 'cli-progress';
import type { DownloadEvent } from './download';

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * A download progress reporter that draws one cli-progress bar per file on stderr. Used when the
 * caller gives no `onProgress` and stderr is a terminal; in logs (CI) it prints nothing.
 */
export function terminalProgress(title: string): (event: DownloadEvent) => void {
  let bar: SingleBar | undefined;
  let current = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return (event) => {
    if (event.phase === 'download') {
      if (!bar || current !== event.file) {
        stop();
        current = event.file;
        bar = new SingleBar({
          format: `${title} ${event.file} [{bar}] {percentage}% {receivedMB}/{totalMB} MB`,
          stream: process.stderr,
          hideCursor: true,
        });
        bar.start(event.totalBytes ?? 0, 0, { receivedMB: '0.0', totalMB: event.totalBytes ? megabytes(event.totalBytes) : '?' });
      }
      bar.update(event.receivedBytes, { receivedMB: megabytes(event.receivedBytes) });
    } else {
      stop();
      if (event.phase === 'retry') {
        process.stderr.write(`${title} ${event.file}: ${event.error}; retrying in ${event.delayMs} ms\n`);
      }
    }
  };
}
