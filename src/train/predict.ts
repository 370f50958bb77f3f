// How predictions read: "87% alien, 13% predator". Classifier.predict (src/api/) computes them.

/** "87% alien, 13% predator": every class (or the `top` most probable), highest first. */
export function caption(probabilities: ArrayLike<number>, classes: readonly string[], top = classes.length): string {
  return Array.from(classes.keys())
    .sort((a, b) => probabilities[b] - probabilities[a])
    .slice(0, top)
    .map((k) => `${Math.round(100 * probabilities[k])}% ${classes[k]}`)
    .join(', ');
}
