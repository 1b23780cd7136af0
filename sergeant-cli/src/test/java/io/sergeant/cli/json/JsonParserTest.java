package io.sergeant.cli.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonParserTest {

    @Test
    void parsesAnObjectWithEveryKindOfValueKeepingKeyOrder() {
        Map<String, Object> parsed = JsonParser.parseObject(
                " {\"z\": 1, \"a\": -2.5e1, \"s\": \"x\\\"y\\u00e9\\n\", \"t\": true, \"f\": false, \"n\": null,"
                        + " \"list\": [1, [2], {}], \"obj\": {\"k\": \"v\"}} ");

        assertThat(parsed.keySet()).containsExactly("z", "a", "s", "t", "f", "n", "list", "obj");
        assertThat(parsed.get("z")).isEqualTo(1L);
        assertThat(parsed.get("a")).isEqualTo(-25.0);
        assertThat(parsed.get("s")).isEqualTo("x\"y\u00e9\n");
        assertThat(parsed.get("t")).isEqualTo(true);
        assertThat(parsed.get("f")).isEqualTo(false);
        assertThat(parsed).containsEntry("n", null);
        assertThat(parsed.get("list")).isEqualTo(List.of(1L, List.of(2L), Map.of()));
        assertThat(parsed.get("obj")).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void integersAreLongsAndFractionsAreDoubles() {
        assertThat(JsonParser.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(JsonParser.parse("-0")).isEqualTo(0L);
        assertThat(JsonParser.parse("9223372036854775808")).isEqualTo(new java.math.BigInteger("9223372036854775808"));
        assertThat(JsonParser.parse("18446744073709551615")).isEqualTo(new java.math.BigInteger("18446744073709551615"));
        assertThat(JsonParser.parse("0.5")).isEqualTo(0.5);
        assertThat(JsonParser.parse("1E3")).isEqualTo(1000.0);
    }

    @Test
    void decodesSurrogatePairsAndEscapedSlashes() {
        assertThat(JsonParser.parse("\"\\ud83d\\ude00 \\/\"")).isEqualTo("\uD83D\uDE00 /");
    }

    @Test
    void returnedCollectionsAreUnmodifiable() {
        Map<String, Object> parsed = JsonParser.parseObject("{\"a\": [1]}");
        assertThatThrownBy(() -> parsed.put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) parsed.get("a");
        assertThatThrownBy(() -> list.add(2)).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "{\"a\": 1,}          | expected a string key",
            "{\"a\" 1}            | expected ':' after the object key \"a\"",
            "{'a': 1}             | expected a string key in double quotes",
            "[1, 2                | expected ']' or ','",
            "{\"a\": tru}         | did you mean true",
            "{\"a\": hello}       | expected a value",
            "\"abc                | unterminated string",
            "\"\\x\"              | invalid escape sequence \\x",
            "\"\\u12\"            | expected four hex digits",
            "01                   | leading zeros",
            "1.                   | expected a digit after the decimal point",
            "1e                   | expected a digit in the exponent",
            "-                    | expected a digit",
            "18446744073709551616 | outside the 64-bit range [-2^63, 2^64-1]",
            "-9223372036854775809 | outside the 64-bit range [-2^63, 2^64-1]",
            "1e999                | too large",
            "{\"a\": 1} x         | unexpected 'x' after the JSON value",
            "{\"a\": 1, \"a\": 2} | duplicate key \"a\"",
            "''                   | unexpected end of input",
    })
    void rejectsInvalidJsonWithAPositionAndTheProblem(String text, String problem) {
        String input = text.equals("''") ? "" : text;
        assertThatThrownBy(() -> JsonParser.parse(input))
                .isInstanceOf(JsonParseException.class)
                .hasMessageStartingWith("invalid JSON at line 1, column ")
                .hasMessageContaining(problem);
    }

    @Test
    void reportsLineAndColumnOfMultiLineInput() {
        assertThatThrownBy(() -> JsonParser.parse("{\n  \"a\": 1,\n  \"b\" 2\n}"))
                .isInstanceOf(JsonParseException.class)
                .hasMessageContaining("line 3, column 7")
                .satisfies(e -> assertThat(((JsonParseException) e).offset()).isEqualTo(18));
    }

    @Test
    void rejectsRawControlCharactersInStrings() {
        assertThatThrownBy(() -> JsonParser.parse("\"a\tb\""))
                .isInstanceOf(JsonParseException.class)
                .hasMessageContaining("control character U+0009");
    }

    @Test
    void rejectsNestingDeeperThanTheLimit() {
        char[] open = new char[JsonParser.MAX_DEPTH + 1];
        Arrays.fill(open, '[');
        assertThatThrownBy(() -> JsonParser.parse(new String(open)))
                .isInstanceOf(JsonParseException.class)
                .hasMessageContaining("nesting deeper than 128 levels");
        String deepest = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertThat(JsonParser.parse(deepest)).isInstanceOf(List.class);
    }

    @Test
    void parseObjectRejectsValuesThatAreNotObjects() {
        assertThatThrownBy(() -> JsonParser.parseObject("[1]"))
                .isInstanceOf(JsonParseException.class)
                .hasMessageContaining("expected a JSON object")
                .hasMessageContaining("got an array");
        assertThatThrownBy(() -> JsonParser.parseObject("null"))
                .hasMessageContaining("got null");
    }

    @Test
    void parsedObjectsEqualPlainMaps() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("id", 7L);
        expected.put("name", "x");
        assertThat(JsonParser.parseObject("{\"id\":7,\"name\":\"x\"}")).isEqualTo(expected);
    }
}
