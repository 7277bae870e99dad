import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, renderInline, renderMarkdown } from '../../src/markdown';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in HTML', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('renderMarkdown', () => {
  it('never lets the model write HTML: tags, scripts and handlers come out as text', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n**<b>bold</b>**');
    assert.doesNotMatch(html, /<script|<img|<b>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /<strong>&lt;b&gt;bold&lt;\/b&gt;<\/strong>/);
  });

  it('escapes code blocks and keeps their text as it is', () => {
    const html = renderMarkdown('Look:\n\n```csharp\nif (a < b && c > d) { return "x"; }\n```\nAfter.');
    assert.equal(
      html,
      '<p>Look:</p>\n<pre><code class="language-csharp">if (a &lt; b &amp;&amp; c &gt; d) { return &quot;x&quot;; }</code></pre>\n<p>After.</p>',
    );
  });

  it('shows a fence that is still open (the text is streaming) as code to the end', () => {
    assert.equal(renderMarkdown('```\nint x = 1;\nint y'), '<pre><code>int x = 1;\nint y</code></pre>');
  });

  it('renders headings, lists, quotes and rules', () => {
    assert.equal(renderMarkdown('# Title\n- one\n- *two*\n\n1. first\n2. second\n> quoted\n---'),
      '<h1>Title</h1>\n<ul><li>one</li><li><em>two</em></li></ul>\n<ol><li>first</li><li>second</li></ol>\n<blockquote>quoted</blockquote>\n<hr>');
  });

  it('joins the lines of a paragraph with line breaks', () => {
    assert.equal(renderMarkdown('one\ntwo\n\nthree'), '<p>one<br>\ntwo</p>\n<p>three</p>');
  });

  it('renders indented code blocks', () => {
    assert.equal(renderMarkdown('Code:\n\n    var x = 1;\n    x++;\n\nDone.'), '<p>Code:</p>\n<pre><code>var x = 1;\nx++;</code></pre>\n<p>Done.</p>');
  });

  it('is empty for empty text', () => {
    assert.equal(renderMarkdown(''), '');
  });
});

describe('renderInline', () => {
  it('keeps code spans literal', () => {
    assert.equal(renderInline('Call `Foo<T>(**x**)` now'), 'Call <code>Foo&lt;T&gt;(**x**)</code> now');
  });

  it('renders bold and italics, not underscores inside words', () => {
    assert.equal(renderInline('**bold** and _it_ and snake_case_name'), '<strong>bold</strong> and <em>it</em> and snake_case_name');
  });

  it('links only http and https addresses', () => {
    assert.equal(renderInline('[docs](https://example.com/a?b=1&c=2)'), '<a href="https://example.com/a?b=1&amp;c=2">docs</a>');
    assert.equal(renderInline('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
  });

  it('cannot break out of a link attribute', () => {
    const html = renderInline('[x](https://e.com/"onmouseover="alert(1))');
    assert.doesNotMatch(html, /"onmouseover/);
  });
});
