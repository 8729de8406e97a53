/** The specs of the examples menu, embedded in the bundle. */
import tinyGpt from '../examples/tiny-gpt.tfm';
import tinyVit from '../examples/tiny-vit.tfm';
import tinyClassifier from '../examples/tiny-classifier.tfm';

export interface Example {
  id: string;
  title: string;
  text: string;
}

export const EXAMPLES: readonly Example[] = [
  { id: 'tiny-gpt', title: 'Tiny GPT (language model)', text: tinyGpt },
  { id: 'tiny-vit', title: 'Tiny ViT (image classifier)', text: tinyVit },
  { id: 'tiny-classifier', title: 'Tiny text classifier (encoder)', text: tinyClassifier },
];
