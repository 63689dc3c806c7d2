// JSON as every report writes it (the JSON form, the path report, the NDJSON
// stream): one emitter puts the commas, brackets, colons and quotes and
// escapes strings, so that a writer says only which key holds which value.
// Each object or array has its layout: inline ({"a": 1, "b": 2}) or items on
// lines of their own, as each document's shape (docs/reports.md) has it.
//
// A scan writes a row per server or a line per handshake, a dozen values
// each: a record whose keys are known ahead is laid out once by the emitter
// (JsonRecord), and writing one is then a copy per key and its value.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "middlebox/Assert.h"
#include "middlebox/Describe.h"
#include "middlebox/TextBuffer.h"

namespace middlebox::report {

// A separator (a comma and a space or a line break) copied as one
// 16-byte block: a few register moves, where a copy of its own length is a
// call to memcpy. Made in constants only.
struct JsonSep {
    static constexpr size_t kSize = 16;
    char bytes[kSize] = {};
    uint8_t size = 0;

    // Implicit, so that a layout is written as its strings.
    constexpr JsonSep() = default;
    constexpr JsonSep(std::string_view text) : size(static_cast<uint8_t>(text.size())) {
        if (text.size() > kSize) throw "a JSON separator longer than 16 bytes";  // in a constant: a build error
        for (size_t i = 0; i < text.size(); ++i) bytes[i] = text[i];
    }
    constexpr JsonSep(const char* text) : JsonSep(std::string_view(text)) {}

    void put(TextBuffer& s) const {
        std::memcpy(s.end(kSize), bytes, kSize);
        s.advance(size);
    }
};

// What goes around the items of one object or array: before the first,
// between two (the comma included) and before the closing bracket when
// there were items. Layouts are constants: the emitter keeps pointers to them.
struct JsonLayout {
    JsonSep first;
    JsonSep between;
    JsonSep last;
};

// {"a": 1, "b": 2}
inline constexpr JsonLayout kJsonInline{"", ", ", ""};

// Each member of an object begins with key(), each element of an array with
// item(); then comes its value: a number, a string, an object, an array.
class JsonOut {
public:
    explicit JsonOut(TextBuffer& s) : s_(s) {}

    // The next member of the open object: its key (plain ASCII: the
    // schema's and the tables' names).
    JsonOut& key(std::string_view k) {
        pending_->put(s_);
        s_ += '"';
        s_ += k;
        s_ += "\": ";
        pending_ = between_;
        return *this;
    }
    // The next element of the open array.
    JsonOut& item() {
        pending_->put(s_);
        pending_ = between_;
        return *this;
    }

    void begin_object(const JsonLayout& layout = kJsonInline) { open('{', layout); }
    void end_object() { close('}'); }
    void begin_array(const JsonLayout& layout = kJsonInline) { open('[', layout); }
    void end_array() { close(']'); }

    void number(uint64_t v) { put_uint(s_, v); }
    void boolean(bool v) { s_ += v ? std::string_view("true") : std::string_view("false"); }
    void null() { s_ += "null"; }
    void number_or_null(bool present, uint64_t v) {
        if (present)
            number(v);
        else
            null();
    }
    // Any text, escaped (RFC 8259; bytes that are not UTF-8 become U+FFFD).
    void string(std::string_view v) { put_json_string(s_, v); }
    void string_or_null(bool present, std::string_view v) {
        if (present)
            string(v);
        else
            null();
    }
    // A name from one of the tables (a verdict, a role, a scope): plain
    // ASCII, copied as it is.
    void name(std::string_view v) {
        s_ += '"';
        s_ += v;
        s_ += '"';
    }
    // A string `put` writes that needs no escaping (an address, a key),
    // straight into the buffer.
    template <class Put>
    void string_with(Put put) {
        s_ += '"';
        put(s_);
        s_ += '"';
    }

    // Where the JSON goes (for a record laid out ahead: JsonRecord).
    TextBuffer& buffer() { return s_; }

    // After an item: `sep` (a constant, its comma included) goes before the
    // next one instead of the layout's, to break a long inline object where
    // its readers expect it.
    void wrap(const JsonSep& sep) {
        MIDDLEBOX_ASSERT(depth_ > 0 && pending_ == between_);
        pending_ = &sep;
    }

private:
    static constexpr int kMaxDepth = 8;
    static constexpr JsonSep kNothing{};

    void open(char bracket, const JsonLayout& layout) {
        MIDDLEBOX_ASSERT(depth_ < kMaxDepth);
        s_ += bracket;
        levels_[depth_++] = &layout;
        pending_ = &layout.first;
        between_ = &layout.between;
    }
    void close(char bracket) {
        MIDDLEBOX_ASSERT(depth_ > 0);
        const JsonLayout* l = levels_[--depth_];
        if (pending_ != &l->first) l->last.put(s_);
        s_ += bracket;
        between_ = depth_ > 0 ? &levels_[depth_ - 1]->between : &kNothing;
        pending_ = between_;
    }

    TextBuffer& s_;
    const JsonLayout* levels_[kMaxDepth] = {};
    int depth_ = 0;
    const JsonSep* pending_ = &kNothing;  // before the next item
    const JsonSep* between_ = &kNothing;  // between two items of the open level
};

// An inline object whose keys are known ahead, laid out once by JsonOut:
// what goes before each value (its key, a comma, the opening of a nested
// object) and after the last. `keys` in order; "echoed.kinds" is key
// "kinds" of the object "echoed" (its keys consecutive). A record may end
// early: its last keys left out when they are optional, outside a nested
// object.
class JsonRecord {
public:
    explicit JsonRecord(const std::vector<std::string_view>& keys) {
        TextBuffer piece;
        JsonOut j(piece);
        j.begin_object();
        std::string_view open;  // the object the previous key is in
        for (const std::string_view key : keys) {
            const size_t dot = key.find('.');
            const std::string_view object = dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
            if (object != open) {
                if (!open.empty()) j.end_object();
                if (!object.empty()) j.key(object).begin_object();
                open = object;
            }
            j.key(dot == std::string_view::npos ? key : key.substr(dot + 1));
            before_.emplace_back(piece.view());
            piece.clear();
        }
        if (!open.empty()) j.end_object();
        j.end_object();
        end_ = Piece(piece.view());
    }

    // What goes before the value of the `i`th key (the record's opening
    // brace before the first); then `j` writes the value.
    JsonOut& key(JsonOut& j, size_t i) const {
        before_[i].put(j.buffer());
        return j;
    }
    // After the last value written.
    void end(JsonOut& j) const { end_.put(j.buffer()); }

private:
    // A piece of constant text, copied as one fixed-size block when short
    // enough (every key of the rows and lines is).
    class Piece {
    public:
        Piece() = default;
        explicit Piece(std::string_view text) : text_(text) {
            len_ = text.size() <= kSize ? text.size() : 0;
            if (len_ != 0) std::memcpy(bytes_, text.data(), len_);
        }
        void put(TextBuffer& s) const {
            if (len_ == 0) {  // longer than a block (or empty)
                s += text_;
                return;
            }
            std::memcpy(s.end(kSize), bytes_, kSize);
            s.advance(len_);
        }

    private:
        static constexpr size_t kSize = 32;
        char bytes_[kSize] = {};
        size_t len_ = 0;
        std::string text_;
    };

    std::vector<Piece> before_;
    Piece end_;
};

}  // namespace middlebox::report
