import * as analysis from '@zoo/analysis';
import * as layers from '../src';

// Model analysis moved to @zoo/analysis; code that imports it from @zoo/layers keeps working and
// gets the very same functions.
it('re-exports the analysis names from @zoo/analysis, unchanged', () => {
  const names = ['activationGrid', 'convLayers', 'describeModel', 'featureMaps', 'filterGrid', 'formatBytes', 'formatCount', 'formatDescription', 'roofline'] as const;
  for (const name of names) expect(layers[name]).toBe(analysis[name]);
  expect(Object.keys(analysis).sort()).toEqual([...names].sort());
});
