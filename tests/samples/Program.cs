using System;
using System.Collections.Generic;

namespace HelloWorld;

public static class Program
{
    public static void Main(string[] args)
    {
        var greeting = 
        Console.WriteLine(greeting);
    }

    private static IEnumerable<string> Names()
    {
        yield return "Ada";
        yield return "Grace";
    }
}
