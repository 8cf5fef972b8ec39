// The page's theme, dark or light: `?theme=`, else the one chosen before, else the system's preference; the ◐ button
// switches it. I/O: the document's data-theme attribute and localStorage (`tlslab-theme`).
import { params } from './url-state.js';

/** Applies the theme the page should open with and lets `themeBtn` switch it (remembered in this browser). */
export function setUpTheme(themeBtn: HTMLElement): void {
  const themeParam = params.get('theme');
  let theme = themeParam === 'light' || themeParam === 'dark' ? themeParam : localStorage.getItem('tlslab-theme') ?? (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  const applyTheme = (): void => {
    document.documentElement.dataset['theme'] = theme;
  };
  applyTheme();
  themeBtn.addEventListener('click', () => {
    theme = theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('tlslab-theme', theme);
    applyTheme();
  });
}
