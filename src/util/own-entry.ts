/**
 * Records keyed by names a spec chose (inputs, outputs, parameters). `record[name] = value` on an
 * ordinary object makes `__proto__` the object's prototype instead of an entry, so such records
 * are filled with {@link setEntry}, which always defines an own property (as `Object.fromEntries`
 * and object spread do).
 */
export function setEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
}
