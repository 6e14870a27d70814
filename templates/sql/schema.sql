-- {{ header }}
-- {{ dialect_note }}
{%- for t in tables %}

{% for line in t.comment_lines -%}
{{ line }}
{% endfor -%}
{{ t.create }}
{%- for index in t.indexes %}
{{ index }}
{%- endfor %}
{%- endfor %}
