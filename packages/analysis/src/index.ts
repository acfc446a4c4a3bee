export { describeModel, formatDescription, type LayerDescription, type ModelDescription } from './describe-model';
export { formatBytes, formatCount } from './format';
export {
  activationGrid,
  convLayers,
  featureMaps,
  filterGrid,
  type ConvLayerInfo,
  type FeatureMapOptions,
  type FeatureMaps,
  type FilterGridOptions,
  type GridOptions,
  type ImageGrid,
} from './inspect';
export { roofline, type DeviceRoofs, type Roofline, type RooflineLayer } from './roofline';
