/**
 * Keyboard shortcuts as strings: modifiers in the order Mod (Ctrl or ⌘), Alt, Shift, then the key
 * ('Z', 'Delete', 'F10', '+', '1'). Digits are read from the physical key (e.code), so Shift+1 is
 * 'Shift+1' on every layout rather than '!'; '+' and '-' are read from the character, so '+' works
 * whether the layout needs Shift for it or not.
 */
export function keyOf(e: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string {
  const digit = /^(?:Digit|Numpad)(\d)$/.exec(e.code)?.[1];
  const sign = e.key === '+' || e.key === '-' || e.key === '=';
  const key = digit ?? (e.key.length === 1 ? e.key.toUpperCase() : e.key);
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push('Mod');
  if (e.altKey) parts.push('Alt');
  if (e.shiftKey && !sign) parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

/** A shortcut as people read it in a tooltip: 'Mod+Shift+Z' -> 'Ctrl+Shift+Z'. */
export function keyLabel(key: string): string {
  return key.replace(/^Mod\+/, 'Ctrl+');
}
