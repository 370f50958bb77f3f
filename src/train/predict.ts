// How predictions read: "87% alien, 13% predator". Classifier.predict (src/api/) computes them.

/** "87% alien, 13% predator": every class, highest first. */
export function caption(probabilities: ArrayLike<number>, classes: readonly string[]): string {
  return Array.from(classes.keys())
    .sort((a, b) => probabilities[b] - probabilities[a])
    .map((k) => `${Math.round(100 * probabilities[k])}% ${classes[k]}`)
    .join(', ');
}
