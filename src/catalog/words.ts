/**
 * A tool's name as words, whatever its style: `smartlead_create_client_api_key`, `createClientApiKey`,
 * `create-client-api-key`, `issues.delete` all come out as lower-case words; the server's own name, when the tool
 * name starts with it, is dropped (`smartlead_…` on the smartlead server).
 */
export function nameWords(name: string, server?: string): string[] {
  const words = splitWords(name);
  const prefix = server ? splitWords(server) : [];
  if (prefix.length > 0 && prefix.length < words.length && prefix.every((word, i) => words[i] === word)) return words.slice(prefix.length);
  return words;
}

/** Words of any identifier or text: camelCase humps, digits and every separator split, lower-cased. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The base form of an English verb as descriptions write it ("Deletes", "Retrieves", "Lists", "Creating"): enough
 * for the vocabulary's lookups, not a stemmer.
 */
export function baseForms(word: string): string[] {
  const forms = [word];
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) forms.push(word.slice(0, -2), word.slice(0, -1));
  else if (word.endsWith('s')) forms.push(word.slice(0, -1));
  if (word.endsWith('ing')) forms.push(word.slice(0, -3), `${word.slice(0, -3)}e`);
  if (word.endsWith('ed')) forms.push(word.slice(0, -2), word.slice(0, -1));
  return forms;
}
