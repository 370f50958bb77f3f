// Errors caused by what the user gave us (files, folders, flags): CLIs print them as one
// line and exit with code 2; anything else is a bug or an environment failure (exit 1).
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An image the library cannot take: a type it does not know, or bytes it cannot decode. */
export class ImageInputError extends InputError {}

/** An option or argument the library does not understand: names it, and what it takes. */
export class OptionError extends InputError {}

/** A label that names no class of the classifier, or an index out of range. */
export class LabelError extends InputError {}

/** A method called on a Backbone or Classifier after its dispose(). */
export class DisposedError extends Error {
  constructor(what: string) {
    super(`${what} was used after dispose()`);
    this.name = 'DisposedError';
  }
}

/** Something only the Node entry can do (files and folders), asked of the browser entry. */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}
