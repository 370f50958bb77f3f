// Errors caused by what the user gave us (files, folders, flags): CLIs print them as one
// line and exit with code 2; anything else is a bug or an environment failure (exit 1).
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
