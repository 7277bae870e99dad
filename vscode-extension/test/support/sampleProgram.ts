// The C# file the end-to-end tests edit, and where they type.

export const SAMPLE_PROGRAM = [
  'using System;',
  '',
  'namespace Demo;',
  '',
  'public static class Program',
  '{',
  '    public static void Main()',
  '    {',
  '        Console.WriteLine("Hello");',
  '',
  '    }',
  '}',
  '',
].join('\n');

/** 0-based line of the empty line inside Main, where the tests type. */
export const TYPING_LINE = 9;
