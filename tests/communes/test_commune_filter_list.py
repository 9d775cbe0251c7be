"""The commune filters read plain rows in one query without ORDER BY, sorted in French order in Python."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.filters import CommuneChoiceFilter, ContactFilter, communes_in_french_order
from communes.models import Commune
from tests.factories import CommuneFactory


@pytest.fixture
def communes(db):
    return [CommuneFactory(name=name) for name in ("Chalezeule", "Besançon", "Châtillon-le-Duc", "Chalèze", "Amagney")]


def test_the_rows_are_in_french_order_from_one_unsorted_query(communes):
    with CaptureQueriesContext(connection) as captured:
        choices = [choice for choice in ContactFilter({}).form.fields["commune"].options.choices if choice[0]]
    assert [name for _pk, name in choices] == ["Amagney", "Besançon", "Chalèze", "Chalezeule", "Châtillon-le-Duc"]
    (query,) = [q["sql"] for q in captured.captured_queries if '"communes_commune"' in q["sql"]]
    assert "ORDER BY" not in query


def test_the_python_order_is_the_databases(communes):
    CommuneFactory(name="Les Auxons")
    CommuneFactory(name="L'Hôpital-du-Grosbois")
    in_sql = list(Commune.objects.order_by_name().values_list("pk", "name"))
    assert communes_in_french_order() == in_sql


def test_a_narrowed_filter_offers_its_communes_and_refuses_another_in_french(communes):
    chosen = CommuneChoiceFilter(queryset=Commune.objects.filter(name__startswith="Ch"), field_name="commune")
    field = chosen.field
    assert [name for value, name in field.options.choices if value] == ["Chalèze", "Chalezeule", "Châtillon-le-Duc"]
    assert field.clean(str(communes[0].pk)) == str(communes[0].pk)
    with pytest.raises(Exception, match="Sélectionnez un choix valide"):
        field.clean(str(communes[1].pk))  # Besançon is not offered here
    html = field.widget.render("commune", str(communes[0].pk))
    assert f'<option value="{communes[0].pk}" selected>Chalezeule</option>' in html
    assert html.index("Chalèze") < html.index("Chalezeule")
