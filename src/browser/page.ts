// DOM helpers shared by the pages in dist/browser/ (the training page and the bench page):
// elements by id, the #status line, and a #form whose submit runs one task at a time.
export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Sets an element's text, marked as an error or not (class `error`). */
export function showIn(id: string, text: string, error = false): void {
  byId(id).textContent = text;
  byId(id).classList.toggle('error', error);
}

export function showStatus(text: string, error = false): void {
  showIn('status', text, error);
}

/** Runs `task` on each submit of #form, with #run disabled meanwhile and any error as the status line. */
export function runOnSubmit(task: () => Promise<void>): void {
  byId('form').addEventListener('submit', (event) => {
    event.preventDefault();
    byId<HTMLButtonElement>('run').disabled = true;
    task()
      .catch((e: Error) => showStatus(e.message, true))
      .finally(() => (byId<HTMLButtonElement>('run').disabled = false));
  });
}
