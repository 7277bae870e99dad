// The model tests run real llama.cpp engines that use every core; running them side by side makes
// their threads fight for the CPU, so the suite runs one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
