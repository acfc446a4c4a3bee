/**
 * The models whose trained weights ship with the zoo, and the test accuracy on Fashion-MNIST each
 * was trained to reach (the training script records in the manifest whether it did).
 */
export const PRETRAINED_TARGETS: Readonly<Record<string, number>> = Object.freeze({
  lenet5: 0.8,
  'lenet5-relu': 0.89,
  'lenet5-dropout': 0.89,
  'alexnet-mini': 0.925,
});
