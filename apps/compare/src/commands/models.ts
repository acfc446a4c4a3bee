import Table from 'cli-table3';
import { listModels } from '@zoo/models';
import type { AppIo } from '../app';
import { formatCount } from '../format';

/** `compare models` (old spelling `--list-models`): the registry as a table. */
export function modelsCommand(io: AppIo): number {
  const table = new Table({ head: ['model', 'input', 'min input', 'params', 'trained with', 'description'], style: { head: [], border: [] }, wordWrap: true, colWidths: [17, 7, 10, 9, 34, 50] });
  for (const m of listModels()) {
    const t = m.training;
    const drops = t.lrSchedule === 'cosine' ? ' cosine' : t.lrDropEpochs?.length ? ` (/10 after epoch ${t.lrDropEpochs.join(', ')})` : '';
    table.push([m.name, `${m.inputSize}px`, `${m.minInputSize}px`, formatCount(m.params), `${t.optimizer} lr ${t.learningRate}${drops}, batch ${t.batchSize}, ${t.epochs} epochs`, m.description]);
  }
  io.out(table.toString());
  return 0;
}

