/**
 * The scaffolding every model family shares: variants as data (one row each), one builder that
 * checks a config and builds a row's layers, and the registry metadata computed from the same
 * layers without building. A family supplies only what differs: its own config fields and its layers.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkKnownKeys, checkOneOf } from './checks';
import { checkInputSize, COMMON_CONFIG_KEYS, resolveCommonConfig, type CommonModelConfig, type ModelInfo, type ResolvedCommonConfig, type TrainingDefaults } from './model-info';
import { buildSequential, minInputSize, specParamCount, type LayerSpec } from './sequential-spec';

/** What every variant's row states: its metadata and the defaults of the common config. */
export interface VariantRow {
  description: string;
  citation: string;
  /** Default square input side, pixels. */
  inputSize: number;
  inChannels: number;
  numClasses: number;
  /** Dropout rate of the dense head. */
  dropout: number;
  training: TrainingDefaults;
}

/** What a family defines; {@link defineFamily} turns it into a builder and its metadata. */
export interface FamilyDefinition<V extends string, Row extends VariantRow, C extends CommonModelConfig & { variant?: V }, Own> {
  /** `lenet`, `alexnet`: `ModelInfo.family`, and the builder's name in its errors. */
  family: string;
  /** Variant names in table order; the first is the default. */
  variants: readonly V[];
  rows: Readonly<Record<V, Row>>;
  /** The config keys besides the common ones and `variant`. */
  configKeys: readonly string[];
  /** Checks the family's own config fields, each defaulting from the row; errors start with `where`. */
  resolve(where: string, config: C, row: Row): Own;
  /** The layers of a variant with a checked config. */
  layers(row: Row, own: Own, common: ResolvedCommonConfig): LayerSpec[];
}

/** A family's builder and the registry's view of it. */
export interface ModelFamily<V extends string, C extends CommonModelConfig & { variant?: V }> {
  readonly family: string;
  readonly variants: readonly V[];
  /** Metadata of every variant (defaults, parameters, citation), computed without building. */
  readonly models: Readonly<Record<V, ModelInfo>>;
  /** Builds `config.variant` (default: the first): every value checked before any weight is allocated. */
  build(config?: C): tf.LayersModel;
}

export function defineFamily<V extends string, Row extends VariantRow, C extends CommonModelConfig & { variant?: V }, Own>(
  definition: FamilyDefinition<V, Row, C, Own>,
): ModelFamily<V, C> {
  const { family, variants, rows } = definition;
  const keys = [...COMMON_CONFIG_KEYS, 'variant', ...definition.configKeys];
  const specsOf = (where: string, config: C, row: Row, common: ResolvedCommonConfig): LayerSpec[] =>
    definition.layers(row, definition.resolve(where, config, row), common);

  function build(config: C = {} as C): tf.LayersModel {
    checkKnownKeys(family, config, keys);
    const variant = checkOneOf(family, 'variant', config.variant ?? variants[0], variants);
    const where = `${family}('${variant}')`;
    const row = rows[variant];
    const common = resolveCommonConfig(where, config, row);
    const specs = specsOf(where, config, row, common);
    checkInputSize(where, specs, common.inputSize, common.inChannels);
    return buildSequential(specs, {
      name: variant,
      inputShape: [common.inputSize, common.inputSize, common.inChannels],
      kernelInitializer: common.kernelInitializer,
      seed: common.seed,
    });
  }

  function info(variant: V): ModelInfo {
    const row = rows[variant];
    const where = `${family}('${variant}')`;
    const none = {} as C;
    const specs = specsOf(where, none, row, resolveCommonConfig(where, none, row));
    return {
      name: variant,
      family,
      description: row.description,
      citation: row.citation,
      inputSize: row.inputSize,
      minInputSize: minInputSize(specs, row.inChannels),
      inChannels: row.inChannels,
      numClasses: row.numClasses,
      params: specParamCount(specs, [row.inputSize, row.inputSize, row.inChannels]),
      outputActivation: 'softmax',
      training: row.training,
    };
  }

  const models = Object.freeze(Object.fromEntries(variants.map((v) => [v, Object.freeze(info(v))])) as Record<V, ModelInfo>);
  return Object.freeze({ family, variants, models, build });
}
