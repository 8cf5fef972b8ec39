import { LAB_CASES } from '../../../src/lab';
import { renderLabPage, wantsHtml } from '../../../src/lab/lab-page';

const expired = LAB_CASES.find((c) => c.name === 'expired')!;

describe('lab page', () => {
  it('picks HTML only when the client asks for text/html', () => {
    expect(wantsHtml('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(true);
    expect(wantsHtml('*/*')).toBe(false);
    expect(wantsHtml(undefined)).toBe(false);
  });

  it('text/plain names the case, its host, what it teaches and the expected errors', () => {
    const p = renderLabPage(expired, '*/*');
    expect(p.contentType).toBe('text/plain; charset=utf-8');
    expect(p.body).toContain('tlslab lab: expired (expired.lab.tlslab)');
    expect(p.body).toContain(expired.teaches);
    expect(p.body).toContain('CERT_EXPIRED');
    expect(p.body).toContain('ERR_CERT_DATE_INVALID');
  });

  it('HTML carries the same facts, escaped', () => {
    const p = renderLabPage({ ...expired, title: 'a <b> & "c"' }, 'text/html');
    expect(p.contentType).toBe('text/html; charset=utf-8');
    expect(p.body).toContain('<h1>a &#60;b&#62; &#38; &#34;c&#34;</h1>');
    expect(p.body).toContain('<code>CERT_EXPIRED</code>');
  });
});
