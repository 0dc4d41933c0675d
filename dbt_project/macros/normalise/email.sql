{#-
    Emails differ in case and surrounding spaces; some are placeholders (test@test.com, a@a.com).

    email_kind(expr)      -> 'valid' | 'placeholder' | 'invalid' | null
    normalise_email(expr) -> lower-case, trimmed address when valid; null otherwise

    A placeholder is an address whose local part repeats its domain's name (a@a.com, test@test.com,
    qq@qq.com), or that sits on a reserved/test domain, or whose local part is a stand-in word.
    Specific values a merchant knows to be junk go in the seed `identity_blocklist` instead.
-#}

{% macro email_compact(expr) -%}
    {{ return(adapter.dispatch('email_compact', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__email_compact(expr) -%}
    lower({{ c360.regexp_replace_all(c360.translate_chars(expr, '＠．', '@.'), '\\s', '') }})
{%- endmacro %}


{% macro email_kind(expr) -%}
    {{ return(adapter.dispatch('email_kind', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__email_kind(expr) -%}
    {%- set e = c360.email_compact(expr) -%}
    case
        when {{ expr }} is null then null
        when not {{ c360.regexp_full_match(e, '[a-z0-9._%+\\-]+@[a-z0-9\\-]+(\\.[a-z0-9\\-]+)*\\.[a-z]{2,}') }} then 'invalid'
        when {{ c360.regexp_full_match(e, '([a-z0-9]+)@.*') }}
             and {{ dbt.split_part(e, "'@'", 1) }} = {{ dbt.split_part(dbt.split_part(e, "'@'", 2), "'.'", 1) }} then 'placeholder'
        when {{ c360.regexp_full_match(e, '.*@(test|example|sample|domain|email|mail|xxx|abc|none|null)\\.(com|org|net|cn)') }} then 'placeholder'
        when {{ c360.regexp_full_match(e, '(test|testing|noreply|no-reply|none|null|na|n/a|xxx|abc|asdf|123|123456|1)@.*') }} then 'placeholder'
        else 'valid'
    end
{%- endmacro %}


{% macro normalise_email(expr) -%}
    {{ return(adapter.dispatch('normalise_email', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__normalise_email(expr) -%}
    case when {{ c360.email_kind(expr) }} = 'valid' then {{ c360.email_compact(expr) }} end
{%- endmacro %}
