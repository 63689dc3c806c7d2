// Replays fuzzer inputs without libFuzzer (any compiler): every file named on
// the command line, or every file in a directory named, is fed once to the
// harness's LLVMFuzzerTestOneInput. ctest runs the seed corpus and the saved
// crash inputs (regressions/) through it on every build.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool is_dir(const std::string& p) {
    struct stat st;
    return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void collect(const std::string& path, std::vector<std::string>* out) {
    if (!is_dir(path)) {
        out->push_back(path);
        return;
    }
    DIR* d = opendir(path.c_str());
    if (d == nullptr) return;
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || name[0] == '.' || name == "README.md") continue;
        collect(path + "/" + name, out);
    }
    closedir(d);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) collect(argv[i], &files);
    std::sort(files.begin(), files.end());
    size_t n = 0;
    for (const std::string& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", f.c_str());
            return 2;
        }
        std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // A copy of exactly the input's size, like libFuzzer hands it over.
        std::vector<uint8_t> exact(data);
        LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
        ++n;
    }
    std::printf("replayed %zu inputs\n", n);
    return n > 0 ? 0 : 1;
}
