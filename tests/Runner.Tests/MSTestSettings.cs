// Runs share libtorch's global random generator, so the tests run one at a time.
[assembly: DoNotParallelize]
