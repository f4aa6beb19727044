/** A JSON-LD document as parsed JSON: an object whose `@context` defines terms. */
export type ContextDocument = { readonly '@context': unknown } & Readonly<Record<string, unknown>>;
