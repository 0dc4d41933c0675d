{#-
    The few dialect-specific building blocks the normalisers need, each behind adapter.dispatch.
    `default__` is written for engines with POSIX-style regular expressions and `translate`
    (DuckDB, Postgres); `duckdb__` pins DuckDB's own names. Porting to Spark means adding
    `spark__` versions of these macros only (e.g. regexp_replace without the 'g' flag, rlike,
    transform/filter/explode); the normalisers above them stay as they are.
-#}

{#- Replace every match of `pattern` (RE2/POSIX syntax) in `expr` by `replacement`. -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'c360')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark replaces every match already (a 4th argument would be a position); its string literals
    take backslash escapes, so the pattern's backslashes are doubled ('\s' would be 's'). -#}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ c360.spark_regex_literal(pattern) }}', '{{ c360.spark_regex_literal(replacement) }}')
{%- endmacro %}

{% macro spark_regex_literal(pattern) -%}
    {{ pattern | replace('\\', '\\\\') }}
{%- endmacro %}


{#- True when the whole of `expr` matches `pattern`. -#}
{% macro regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'c360')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expr, pattern) -%}
    ({{ expr }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Java's `$` also matches before a final line break: `\\z` (`\z` in Spark SQL) is the end of the text. -#}
{% macro spark__regexp_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ c360.spark_regex_literal(pattern) }})\\z')
{%- endmacro %}


{#- Character-by-character substitution (full-width digits to ASCII, ...). -#}
{% macro translate_chars(expr, from_chars, to_chars) -%}
    {{ return(adapter.dispatch('translate_chars', 'c360')(expr, from_chars, to_chars)) }}
{%- endmacro %}

{% macro default__translate_chars(expr, from_chars, to_chars) -%}
    translate({{ expr }}, '{{ from_chars }}', '{{ to_chars }}')
{%- endmacro %}


{#- Apply `body` (an expression in `var`) to every element of a list; nulls dropped. -#}
{% macro list_map_not_null(list_expr, var, body) -%}
    {{ return(adapter.dispatch('list_map_not_null', 'c360')(list_expr, var, body)) }}
{%- endmacro %}

{% macro default__list_map_not_null(list_expr, var, body) -%}
    {{ exceptions.raise_compiler_error('list_map_not_null has no implementation for ' ~ adapter.type() ~ ': add ' ~ adapter.type() ~ '__list_map_not_null (Spark: filter(transform(list, x -> ...), x -> x is not null))') }}
{%- endmacro %}

{% macro duckdb__list_map_not_null(list_expr, var, body) -%}
    list_filter(list_transform({{ list_expr }}, lambda {{ var }}: {{ body }}), lambda {{ var }}: {{ var }} is not null)
{%- endmacro %}

{% macro spark__list_map_not_null(list_expr, var, body) -%}
    filter(transform({{ list_expr }}, {{ var }} -> {{ body }}), {{ var }} -> {{ var }} is not null)
{%- endmacro %}


{#- One row per element of a list column (used in a select list). -#}
{% macro unnest_list(list_expr) -%}
    {{ return(adapter.dispatch('unnest_list', 'c360')(list_expr)) }}
{%- endmacro %}

{% macro default__unnest_list(list_expr) -%}
    unnest({{ list_expr }})
{%- endmacro %}

{% macro spark__unnest_list(list_expr) -%}
    explode({{ list_expr }})
{%- endmacro %}
