// Which documents get completions: every language by default ('*'), less the excluded languages and the files
// that look like secrets (.env, keys). An excluded document is never sent to the server at all.

import { Settings } from './settings';

export interface DocumentInfo {
  readonly languageId: string;
  /** The document's path (a file URI's path, or an untitled document's name), with '/' separators. */
  readonly path: string;
  readonly scheme: string;
}

/** The URI schemes whose documents the server gets: files on disk and new, unsaved ones. */
export const SCHEMES: readonly string[] = ['file', 'untitled'];

export function isWanted(settings: Pick<Settings, 'languages' | 'excludeLanguages' | 'excludeFiles'>, document: DocumentInfo): boolean {
  if (!SCHEMES.includes(document.scheme)) {
    return false;
  }
  const language = document.languageId;
  if (settings.excludeLanguages.includes(language)) {
    return false;
  }
  if (!settings.languages.includes('*') && !settings.languages.includes(language)) {
    return false;
  }
  const path = document.path.replace(/\\/g, '/');
  return !settings.excludeFiles.some((glob) => globMatches(glob, path));
}

/** Words for the status bar: which files start the server. */
export function describeLanguages(settings: Pick<Settings, 'languages'>): string {
  return settings.languages.includes('*') ? 'code' : settings.languages.join(' or ');
}

const globCache = new Map<string, RegExp>();

/**
 * Matches a path against a glob: `**` any folders, `*` any characters but '/', `?` one, `{a,b}` either. A glob without
 * '/' matches the file name wherever it is.
 */
export function globMatches(glob: string, path: string): boolean {
  const pattern = glob.includes('/') ? glob : `**/${glob}`;
  let regex = globCache.get(pattern);
  if (regex === undefined) {
    regex = toRegExp(pattern);
    globCache.set(pattern, regex);
  }
  return regex.test(path.startsWith('/') ? path : `/${path}`);
}

function toRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // '**/' is any number of folders, the leading '/' included.
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:/|/.*/)' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) {
        out += '\\{';
      } else {
        out += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`;
        i = end;
      }
    } else {
      out += escape(c);
    }
  }
  // A glob that names a path from the root ('/a/b') or a folder-relative one ('src/*.ts') is anchored at the end only.
  return new RegExp(glob.startsWith('/') || glob.startsWith('**') ? `^${out}$` : `(?:^|/)${out}$`, 'i');
}

function escape(text: string): string {
  return text.replace(/[.+^$()|[\]\\]/g, '\\$&');
}
